#!/usr/bin/env python3
"""Writes English-like benchmark text for fingerprinting, the same bytes on every run.

    generate.py speed OUT.txt MEGABYTES      documents separated by blank lines
    generate.py quality OUT_DIR              docs.tsv (id, text) and truth.tsv (id, id, jaccard)

Words come from a fixed vocabulary: about 150 common English words, then synthetic words built
from syllables, drawn with Zipfian frequencies (the word of rank r has weight 1/r). Sentences
have 6 to 28 words, a capital first letter, commas now and then, and a full stop.

The quality set plants near-duplicates: each base document gets one edited copy, edited word
by word (a substitution, insertion or deletion at a random place) until the Jaccard similarity
of their word 5-gram shingle sets falls to a target (0.9, 0.8, 0.7 or 0.5); the exact Jaccard of
every planted pair is written to truth.tsv. Unrelated documents are drawn independently.
"""

import random
import re
import sys

COMMON = (
    "the of and to a in is it you that he was for on are with as i his they be at one have this "
    "from or had by hot word but what some we can out other were all there when up use your how "
    "said an each she which do their time if will way about many then them write would like so "
    "these her long make thing see him two has look more day could go come did number sound no "
    "most people my over know water than call first who may down side been now find any new work "
    "part take get place made live where after back little only round man year came show every "
    "good me give our under name very through just form sentence great think say help low line "
    "differ turn cause much mean before move right boy old too same tell does set three want air "
    "well also play small end put home read hand port large spell add even land here must big"
).split()

ONSETS = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
          "br", "ch", "cl", "cr", "dr", "fl", "gr", "pl", "pr", "sh", "st", "str", "th", "tr", ""]
VOWELS = ["a", "e", "i", "o", "u", "ea", "ou", "ai", "io", "y"]
CODAS = ["", "", "", "", "n", "r", "s", "t", "l", "nd", "st", "ng", "ck", "m", "rt", "ss"]


def vocabulary(size, rng):
    words = list(dict.fromkeys(COMMON))
    seen = set(words)
    while len(words) < size:
        syllables = rng.choices([1, 2, 3], weights=[6, 5, 1])[0]
        word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                       for _ in range(syllables))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Writer:
    def __init__(self, seed, vocabulary_size=40000):
        self.rng = random.Random(seed)
        self.words = vocabulary(vocabulary_size, self.rng)
        total = 0.0
        self.cumulative = []
        for rank in range(1, len(self.words) + 1):
            total += 1.0 / rank
            self.cumulative.append(total)

    def draw(self, count):
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def sentence(self):
        words = self.draw(self.rng.randint(6, 28))
        words[0] = words[0].capitalize()
        for index in range(2, len(words) - 2):
            if self.rng.random() < 0.06:
                words[index] += ","
        return " ".join(words) + "."

    def document(self, minimum_words):
        sentences, count = [], 0
        while count < minimum_words:
            sentence = self.sentence()
            sentences.append(sentence)
            count += sentence.count(" ") + 1
        return " ".join(sentences)


WORD = re.compile(r"[a-z0-9]+")


def shingles(text):
    words = WORD.findall(text.lower())
    if len(words) < 5:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + 5]) for i in range(len(words) - 4)}


def jaccard(a, b):
    return len(a & b) / len(a | b) if a or b else 1.0


def edited(writer, text, target):
    """A copy of `text` edited one word at a time until its Jaccard with `text` is <= target."""
    original = shingles(text)
    words = text.split(" ")
    rng = writer.rng
    while True:
        position = rng.randrange(len(words))
        operation = rng.random()
        if operation < 0.6:
            words[position] = writer.draw(1)[0]
        elif operation < 0.8:
            words.insert(position, writer.draw(1)[0])
        elif len(words) > 10:
            del words[position]
        copy = " ".join(words)
        similarity = jaccard(original, shingles(copy))
        if similarity <= target:
            return copy, similarity


def speed(path, megabytes):
    writer = Writer(seed=20250101)
    limit = int(megabytes * 1_000_000)
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        while written < limit:
            document = writer.document(writer.rng.randint(80, 700))
            out.write(document + "\n\n")
            written += len(document) + 2


def quality(directory, bases_per_target=250, unrelated=8000):
    writer = Writer(seed=20250202)
    documents, truth = [], []
    for target in (0.9, 0.8, 0.7, 0.5):
        for _ in range(bases_per_target):
            base = writer.document(writer.rng.randint(150, 600))
            copy, similarity = edited(writer, base, target + 0.025)
            first, second = len(documents), len(documents) + 1
            documents += [base, copy]
            truth.append((first, second, similarity))
    for _ in range(unrelated):
        documents.append(writer.document(writer.rng.randint(80, 600)))
    order = list(range(len(documents)))
    writer.rng.shuffle(order)
    position = {old: new for new, old in enumerate(order)}
    with open(f"{directory}/docs.tsv", "w", encoding="utf-8") as out:
        for new, old in enumerate(order):
            out.write(f"{new}\t{documents[old]}\n")
    with open(f"{directory}/truth.tsv", "w", encoding="utf-8") as out:
        for first, second, similarity in truth:
            a, b = sorted((position[first], position[second]))
            out.write(f"{a}\t{b}\t{similarity:.6f}\n")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "speed":
        speed(sys.argv[2], float(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "quality":
        quality(sys.argv[2])
    else:
        sys.exit(__doc__)
