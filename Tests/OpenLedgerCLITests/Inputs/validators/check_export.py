"""Validates an openledger export with the real validators, and prints a JSON summary.

Runs `frictionless validate` on datapackage.json and `mlcroissant validate` on croissant.json
(the command-line tools, as a user would), then loads the Croissant records with mlcroissant
and checks each FileObject's sha256 against the file. Exit 0 when all pass, 1 otherwise.
"""

import hashlib
import json
import os
import subprocess
import sys


def plain(value):
    """A record as mlcroissant yields it, with text decoded and fields by their short names."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, dict):
        return {key.split("/")[-1]: plain(item) for key, item in value.items()}
    if hasattr(value, "item"):  # a numpy scalar
        return value.item()
    return value


def main() -> int:
    venv, export = sys.argv[1], os.path.abspath(sys.argv[2])
    bin_dir = os.path.join(venv, "bin")
    summary = {}

    frictionless = subprocess.run(
        [os.path.join(bin_dir, "frictionless"), "validate", "--json", "datapackage.json"],
        cwd=export, capture_output=True, text=True,
    )
    try:
        report = json.loads(frictionless.stdout)
        errors = [
            error.get("message", "")
            for task in report.get("tasks", [])
            for error in task.get("errors", [])
        ] + [error.get("message", "") for error in report.get("errors", [])]
        summary["frictionless"] = {
            "valid": bool(report.get("valid")) and frictionless.returncode == 0,
            "errors": errors,
            "resources": len(report.get("tasks", [])),
        }
    except json.JSONDecodeError:
        summary["frictionless"] = {"valid": False, "errors": [frictionless.stderr[-2000:]]}

    croissant = subprocess.run(
        [os.path.join(bin_dir, "mlcroissant"), "validate", "--jsonld", "croissant.json"],
        cwd=export, capture_output=True, text=True,
    )
    summary["croissant"] = {
        "valid": croissant.returncode == 0,
        "output": croissant.stderr[-2000:],
        "warnings": croissant.stderr.count("warning(s)"),
    }

    with open(os.path.join(export, "croissant.json"), encoding="utf-8") as handle:
        metadata = json.load(handle)
    mismatched = []
    for item in metadata.get("distribution", []):
        if item.get("@type") != "cr:FileObject":
            continue
        with open(os.path.join(export, item["contentUrl"]), "rb") as data:
            if hashlib.sha256(data.read()).hexdigest() != item.get("sha256"):
                mismatched.append(item["contentUrl"])
    summary["croissant"]["sha256Mismatches"] = mismatched

    try:
        import mlcroissant as mlc

        os.chdir(export)
        dataset = mlc.Dataset(jsonld="croissant.json")
        records = [plain(record) for record in dataset.records(record_set="records")]
        summary["croissant"]["records"] = sorted(record["record_id"] for record in records)
        # The sub-fields of the record and source objects, as mlcroissant read them.
        summary["croissant"]["sample"] = records[0] if records else None
    except Exception as error:  # noqa: BLE001 - reported, not hidden
        summary["croissant"]["loadError"] = repr(error)
        summary["croissant"]["valid"] = False

    print(json.dumps(summary, sort_keys=True))
    ok = (
        summary["frictionless"]["valid"]
        and summary["croissant"]["valid"]
        and not mismatched
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
