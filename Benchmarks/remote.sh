#!/bin/sh
# Pushes a 1 GB Datanet to a local S3 server and clones it back, side by side with aws s3 sync,
# rclone copy and dvc push/pull, and counts the requests of a no-op and of a small pull.
#
#   Benchmarks/remote.sh [remote_bench.py options]     e.g. --runs 5   --megabytes 200
#
# It builds openledger in release, installs its peers in throwaway places (awscli and dvc-s3
# from PyPI into venvs under $BENCH_WORK/remote, rclone from Debian with apt-get when it is
# missing, moto[server] into a venv with the pin of `make moto`), generates the contribute
# benchmark's JSONL (the same bytes on every run) and runs Benchmarks/remote_bench.py, which
# prints medians and ratios and writes every run to $BENCH_WORK/remote/results.json.
# $BENCH_WORK is Benchmarks/.work by default; the run needs about 4 GB of disk there.
# Docs/Benchmarks.md ("Remotes") says what each figure means.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=${BENCH_WORK:-$here/.work}
swift=${SWIFT:-swift}
python=${PYTHON:-python3}
# The peers' versions, fixed so that runs compare.
awscli_spec=${AWSCLI_SPEC:-awscli==1.46.2}
dvc_spec=${DVC_SPEC:-dvc==3.67.1 dvc-s3==3.3.0}
mkdir -p "$work/remote"

echo "== building openledger in release" >&2
(cd "$root" && $swift build -c release --product openledger >&2)
openledger="$(cd "$root" && $swift build -c release --show-bin-path)/openledger"

# A venv with `pip install SPEC...`, made once and reused when it has them already.
venv() {
  dir=$1
  shift
  if [ ! -f "$dir/.installed" ] || [ "$(cat "$dir/.installed")" != "$*" ]; then
    echo "== installing $* into $dir" >&2
    rm -rf "$dir"
    $python -m venv "$dir"
    # shellcheck disable=SC2086
    "$dir/bin/pip" install --quiet --disable-pip-version-check $* >&2
    echo "$*" >"$dir/.installed"
  fi
}

# The peers --tools names (all by default): only those are installed.
tools=openledger,aws,rclone,dvc
previous=
for argument in "$@"; do
  case $argument in --tools=*) tools=${argument#--tools=} ;; esac
  if [ "$previous" = --tools ]; then tools=$argument; fi
  previous=$argument
done
wants() { case ",$tools," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

echo "== the local S3 server (moto) and the peers ($tools)" >&2
moto_spec=$(sed -n 's/^MOTO_SPEC ?= //p' "$root/Makefile")
venv "$work/remote/venv-moto" "$moto_spec"
if wants aws; then venv "$work/remote/venv-aws" "$awscli_spec"; fi
if wants dvc; then venv "$work/remote/venv-dvc" "$dvc_spec"; fi
if wants rclone && ! command -v rclone >/dev/null 2>&1; then
  echo "== installing rclone with apt-get" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi
  $sudo apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    rclone >&2
fi

echo "== running (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
exec "$work/remote/venv-moto/bin/python" "$here/remote_bench.py" --work "$work" \
  --openledger "$openledger" --moto-server "$root/Tests/Support/moto_server.py" \
  --aws "$work/remote/venv-aws/bin/aws" --dvc "$work/remote/venv-dvc/bin/dvc" \
  --rclone "$(command -v rclone || echo rclone)" "$@"
