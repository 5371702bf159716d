"""One-edit typos of card names, for the search recall tests and benchmarks.

An edit is made at a letter of the name (never a space or punctuation, so the words stay
words): drop that letter, insert a letter before it, substitute it, or swap it with the next
letter of the same word. Edits that give back the name itself (swapping "ee") are skipped.
"""

import random
import string

KINDS = ("drop", "insert", "substitute", "transpose")


def letter_count(name: str) -> int:
    return sum(character.isalpha() for character in name)


def one_edit(name: str, kind: str, rng: random.Random) -> str | None:
    letters = [i for i, character in enumerate(name) if character.isalpha()]
    if kind == "transpose":
        letters = [i for i in letters if i + 1 < len(name) and name[i + 1].isalpha() and name[i + 1] != name[i]]
    if not letters:
        return None
    i = rng.choice(letters)
    new_letter = rng.choice([letter for letter in string.ascii_lowercase if letter != name[i].lower()])
    if kind == "drop":
        typo = name[:i] + name[i + 1 :]
    elif kind == "insert":
        typo = name[:i] + new_letter + name[i:]
    elif kind == "substitute":
        typo = name[:i] + new_letter + name[i + 1 :]
    else:
        typo = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return typo if typo.lower() != name.lower() else None


def one_edit_typos(name: str, *, rng: random.Random, limit: int = 4) -> list[str]:
    """Up to `limit` typos of `name`, one of each kind in turn."""
    typos = []
    for kind in KINDS[:limit]:
        typo = one_edit(name, kind, rng)
        if typo:
            typos.append(typo)
    return typos
