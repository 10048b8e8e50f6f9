"""Fingerprints of the graded modules and the similarity of two uploads, with copydetect.

copydetect's tokenizer replaces every name with V, function names with F and strings with S, and
drops comments, so renaming variables or rewording docstrings changes nothing; its k-gram
fingerprints do not depend on the order of functions. Module files are compared only with the
same module of the other upload (losses.py with losses.py).

Why every k-gram is kept (a winnowing window of 1) rather than copydetect's default window:
copydetect hashes k-grams with Python's hash(), which is salted per process, so a wider window
would keep different fingerprints on every run; with all of them kept, the same uploads always
get the same scores. The files are small (the reference's longest module is about 11,000
characters), so this costs little.
"""
import io
from dataclasses import dataclass, field

import numpy as np
from copydetect.detector import CodeFingerprint, compare_files
from copydetect.utils import get_token_coverage

NOISE = 25  # k: the shortest match counted, in characters of tokenized code (copydetect's default)
MIN_CHARS = 200  # tokenized characters (after boilerplate) a side needs for its share to count


def _fingerprint(text, boilerplate=frozenset()):
    """A CodeFingerprint of Python source text, without the k-grams in boilerplate (a set of
    hashes). Boilerplate is removed here rather than by copydetect, whose removal assumes the
    hashes of a file are unique and drops repeated k-grams of the student's own too."""
    print_ = CodeFingerprint("module.py", NOISE, 1, filter=True, language="python", fp=io.StringIO(text))
    kept = {int(h): idx for h, idx in print_.hash_idx.items() if int(h) not in boilerplate}
    print_.hash_idx, print_.hashes = kept, set(kept)
    print_.token_coverage = get_token_coverage(kept, NOISE, len(print_.filtered_code))
    return print_


def boilerplate(texts):
    """The set of k-gram hashes of the handout's modules (iterable of source texts)."""
    hashes = set()
    for text in texts:
        hashes |= _fingerprint(text).hashes
    return frozenset(hashes)


@dataclass
class Fingerprints:
    """An upload's modules fingerprinted.

    - upload: the texts.Upload.
    - prints: dict module -> CodeFingerprint (boilerplate removed).
    - chars: int, tokenized characters left to compare over all modules (0 for untouched stubs).
    """
    upload: object
    prints: dict = field(default_factory=dict)
    chars: int = 0


def fingerprints(upload, hashes, cache=None):
    """Fingerprints of a texts.Upload, with the boilerplate hashes removed.

    cache: a dict kept across the uploads of a class, so identical files (untouched stubs, the
    same file handed in twice) are fingerprinted once and compared once."""
    cache = {} if cache is None else cache
    prints = {}
    for module, text in upload.texts.items():
        if (module, text) not in cache:
            cache[module, text] = _fingerprint(text, hashes)
        prints[module] = cache[module, text]
    return Fingerprints(upload, prints, int(sum(p.token_coverage for p in prints.values())))


@dataclass
class Match:
    """The shared code of one module in a pair.

    - share_a, share_b: float in [0, 1], the part of each side's module (tokenized, after
      boilerplate) found in the other.
    - slices_a, slices_b: arrays of shape (2, S), start and end offsets of the shared code in each
      side's original text.
    """
    share_a: float
    share_b: float
    slices_a: np.ndarray
    slices_b: np.ndarray


@dataclass
class Pair:
    """Two uploads compared.

    - a, b: Fingerprints.
    - score: float in [0, 1], the larger of the two sides' shares over all their graded modules
      (a side with fewer than MIN_CHARS to compare counts 0).
    - matches: dict module -> Match, for the modules with shared code.
    """
    a: Fingerprints
    b: Fingerprints
    score: float
    matches: dict


def _share(side, shared):
    """A side's share of its code found in the other: shared characters over all it has."""
    return shared / side.chars if side.chars >= MIN_CHARS else 0.0


def _compare_files(pa, pb, memo):
    """copydetect's comparison of two CodeFingerprints: (share_a, share_b, slices_a, slices_b)."""
    key = (id(pa), id(pb))
    if key not in memo:
        _, (share_a, share_b), (slices_a, slices_b) = compare_files(pa, pb)
        memo[key] = (share_a, share_b, slices_a, slices_b)
    return memo[key]


def compare(a, b, memo=None):
    """The Pair of two Fingerprints (memo: a dict of the file comparisons done, kept across a class)."""
    matches, shared_a, shared_b, memo = {}, 0.0, 0.0, {} if memo is None else memo
    for module in sorted(set(a.prints) & set(b.prints)):
        pa, pb = a.prints[module], b.prints[module]
        if not pa.hashes & pb.hashes:
            continue
        share_a, share_b, slices_a, slices_b = _compare_files(pa, pb, memo)
        if share_a or share_b:
            matches[module] = Match(float(share_a), float(share_b), slices_a, slices_b)
            shared_a += share_a * pa.token_coverage
            shared_b += share_b * pb.token_coverage
    return Pair(a, b, max(_share(a, shared_a), _share(b, shared_b)), matches)


def all_pairs(students, others=()):
    """Every pair of students, and every student with every one of others (the reference, an
    archive), as Pairs ranked by score (highest first; ties by names).

    Inputs: lists of Fingerprints. Returns: list of Pair."""
    memo = {}
    pairs = [compare(a, b, memo) for i, a in enumerate(students) for b in students[i + 1:]]
    pairs += [compare(a, b, memo) for a in students for b in others]
    return sorted(pairs, key=lambda p: (-p.score, p.a.upload.name, p.b.upload.kind, p.b.upload.name))
