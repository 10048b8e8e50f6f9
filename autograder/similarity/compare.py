"""Fingerprints of the graded modules and the similarity of two uploads, with copydetect.

Every module (the handout's, the reference's, the students') is first put in canonical form
(normalize.py: docstrings and no-op statements dropped, commutative operands and independent
statements in a canonical order, the layout of ast.unparse), so what is compared, and shown on
the pages, is that form. Then copydetect's tokenizer replaces every name with V, function
names with F and strings with S, and
drops comments, so renaming variables or rewording docstrings changes nothing; its k-gram
fingerprints do not depend on the order of functions. Module files are compared only with the
same module of the other upload (losses.py with losses.py).

A module's share found in the other is copydetect's measure: the characters of its tokenized code
covered by k-grams the other also has, over those covered by all its k-grams (boilerplate
removed). It is computed here with numpy over every pair of a class (copydetect's compare_files,
which also places the shared code in the original text, costs about 50 ms a pair of uploads and
is called only for the pairs shown side by side; a test checks both give the same shares).

Why every k-gram is kept (a winnowing window of 1) rather than copydetect's default window:
copydetect hashes k-grams with Python's hash(), which is salted per process, so a wider window
would keep different fingerprints on every run; with all of them kept, the same uploads always
get the same scores. The files are small (the reference's longest module is about 11,000
characters), so this costs little.
"""
import io
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from copydetect.detector import CodeFingerprint, compare_files
from copydetect.utils import get_token_coverage

from .normalize import normalized

NOISE = 40  # k: the shortest match counted, in tokenized characters (measured: docs/tas.md, "Similarity")
MIN_CHARS = 200  # tokenized characters (after boilerplate) a side needs for its share to count
MODULE_SHARE = 0.8  # one module shared this much sets the pair's score (a copied module is not diluted away)
MIN_MODULE_CHARS = 300  # tokenized characters (after boilerplate) that module needs on that side


def _fingerprint(text, boilerplate=frozenset(), canonical=True):
    """A CodeFingerprint of Python source text in canonical form (or as it is, if not
    canonical; its raw_code: the text compared and shown), without the k-grams in boilerplate (a set of
    hashes), with two arrays added for fast comparison: starts (the positions of the k-grams
    kept, in the tokenized code) and keys (their hashes), and unique (the sorted distinct keys).

    Boilerplate is removed here rather than by copydetect, whose removal assumes the hashes of a
    file are unique and drops repeated k-grams of the student's own too."""
    source = normalized(text) if canonical else text
    print_ = CodeFingerprint("module.py", NOISE, 1, filter=True, language="python", fp=io.StringIO(source))
    kept = {int(h): idx for h, idx in print_.hash_idx.items() if int(h) not in boilerplate}
    print_.hash_idx, print_.hashes = kept, set(kept)
    print_.token_coverage = get_token_coverage(kept, NOISE, len(print_.filtered_code))
    print_.keys = np.array([h for h, idx in kept.items() for _ in idx], dtype=np.int64)
    print_.starts = np.array([i for idx in kept.values() for i in idx], dtype=np.int64)
    print_.unique = np.unique(print_.keys)
    return print_


def covered(starts):
    """Characters covered by the k-grams starting at starts (the length of the union of the
    intervals [s, s + NOISE))."""
    if len(starts) == 0:
        return 0
    ordered = np.sort(starts)
    return int(np.minimum(np.diff(ordered), NOISE).sum()) + NOISE


def _found(keys, unique):
    """Boolean mask of the keys that are in unique (a sorted array)."""
    if len(unique) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(unique, keys), len(unique) - 1)
    return unique[at] == keys


def shares(pa, pb):
    """(share of pa found in pb, share of pb found in pa), each in [0, 1]."""
    in_b = _found(pa.keys, pb.unique)
    if not in_b.any():
        return 0.0, 0.0
    in_a = _found(pb.keys, pa.unique)
    return covered(pa.starts[in_b]) / pa.token_coverage, covered(pb.starts[in_a]) / pb.token_coverage


def shared_slices(pa, pb, memo=None):
    """Where the shared code of two fingerprints is in their original texts, by copydetect:
    (slices_a, slices_b), arrays of shape (2, S) of start and end offsets.

    memo: a dict of the placements done, kept across the pages of a class (copies of one file
    share one fingerprint, so their pages place its code once)."""
    memo = {} if memo is None else memo
    if (id(pa), id(pb)) not in memo:
        _, _, memo[id(pa), id(pb)] = compare_files(pa, pb)
    return memo[id(pa), id(pb)]


def boilerplate(texts):
    """The set of k-gram hashes of the handout's modules (iterable of source texts), in
    canonical form and as written (for a student's module that does not parse, compared as
    written)."""
    hashes = set()
    for text in texts:
        hashes |= _fingerprint(text).hashes | _fingerprint(text, canonical=False).hashes
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


class Match(NamedTuple):
    """The shared code of one module in a pair: share_a, share_b, floats in [0, 1], the part of
    each side's module (tokenized, after boilerplate) found in the other. (A tuple: a class of
    500 has 125,000 pairs.)"""
    share_a: float
    share_b: float


@dataclass
class Pair:
    """Two uploads compared.

    - a, b: Fingerprints.
    - overall: float in [0, 1], the larger of the two sides' shares over all their graded
      modules (a side with fewer than MIN_CHARS to compare counts 0).
    - module: str or None, the module that sets the score: the one whose share on a side (of
      at least MIN_MODULE_CHARS there) is highest, when that share is at least MODULE_SHARE and
      above overall.
    - score: float in [0, 1], that module's share, or else overall.
    - matches: dict module -> Match, for the modules with shared code.
    """
    a: Fingerprints
    b: Fingerprints
    score: float
    matches: dict
    overall: float = 0.0
    module: str = None


def _share(side, shared):
    """A side's share of its code found in the other: shared characters over all it has."""
    return shared / side.chars if side.chars >= MIN_CHARS else 0.0


def compare(a, b, memo=None):
    """The Pair of two Fingerprints (memo: a dict of the file comparisons done, kept across a class)."""
    matches, shared_a, shared_b, memo = {}, 0.0, 0.0, {} if memo is None else memo
    for module in sorted(set(a.prints) & set(b.prints)):
        pa, pb = a.prints[module], b.prints[module]
        if (id(pa), id(pb)) not in memo:
            memo[id(pa), id(pb)] = shares(pa, pb)
        share_a, share_b = memo[id(pa), id(pb)]
        if share_a or share_b:
            matches[module] = Match(share_a, share_b)
            shared_a += share_a * pa.token_coverage
            shared_b += share_b * pb.token_coverage
    overall = max(_share(a, shared_a), _share(b, shared_b))
    best, module = _module_share(a, b, matches)
    if best >= MODULE_SHARE and best > overall:
        return Pair(a, b, best, matches, overall, module)
    return Pair(a, b, overall, matches, overall)


def _module_share(a, b, matches):
    """(share, module): the highest share of one module on a side where it has at least
    MIN_MODULE_CHARS to compare ((0.0, None) if none)."""
    best = (0.0, None)
    for module, match in sorted(matches.items()):
        for side, share in ((a, match.share_a), (b, match.share_b)):
            if side.prints[module].token_coverage >= MIN_MODULE_CHARS and share > best[0]:
                best = (share, module)
    return best


def all_pairs(students, others=()):
    """Every pair of students, and every student with every one of others (the reference, an
    archive), as Pairs ranked by score (highest first; ties by names).

    Inputs: lists of Fingerprints. Returns: list of Pair.

    Uploads whose modules are the same files (fingerprints() gives identical files one
    fingerprint) get the same comparison, so each distinct pair of contents is compared once
    (a class often has many untouched stubs, or one file handed in by many)."""
    memo, done = {}, {}
    contents = {id(f): tuple(sorted((module, id(p)) for module, p in f.prints.items())) for f in students + others}

    def pair(a, b):
        key = contents[id(a)], contents[id(b)]
        if key not in done:
            done[key] = compare(a, b, memo)
        same = done[key]
        return same if same.a is a and same.b is b else Pair(a, b, same.score, same.matches, same.overall, same.module)

    pairs = [pair(a, b) for i, a in enumerate(students) for b in students[i + 1:]]
    pairs += [pair(a, b) for a in students for b in others]
    return sorted(pairs, key=lambda p: (-p.score, p.a.upload.name, p.b.upload.kind, p.b.upload.name))
