"""Set codes other tools write that are not Scryfall's, per tool: (alias, Scryfall code, source).

Only consulted for files of that tool, and before the code is looked up as a Scryfall code
(an alias can be another set's Scryfall code). Matching tries the set *name* first, so an
alias is only needed where a file carries a code alone or a name Scryfall spells differently.
Add an alias with the source it was seen in; docs/imports.md explains the order.
"""

from lists.enums import ImportFormat

# Deckbox writes Gatherer's legacy codes for pre-2003 sets (seen in real exports: OD, PR, IN,
# 5E, 4E, NE). Source: the code as Gatherer/Magic Online list it for the set (Scryfall keeps
# these as `mtgo_code`/old Gatherer codes on the set object).
GATHERER_LEGACY = "Gatherer legacy code, as Deckbox exports write it"
DECKBOX_ALIASES: list[tuple[str, str, str]] = [
    ("1e", "lea", GATHERER_LEGACY),
    ("2e", "leb", GATHERER_LEGACY),
    ("2u", "2ed", GATHERER_LEGACY),
    ("3e", "3ed", GATHERER_LEGACY),
    ("4e", "4ed", GATHERER_LEGACY),
    ("5e", "5ed", GATHERER_LEGACY),
    ("6e", "6ed", GATHERER_LEGACY),
    ("7e", "7ed", GATHERER_LEGACY),
    ("an", "arn", GATHERER_LEGACY),
    ("aq", "atq", GATHERER_LEGACY),
    ("lg", "leg", GATHERER_LEGACY),
    ("dk", "drk", GATHERER_LEGACY),
    ("fe", "fem", GATHERER_LEGACY),
    ("hl", "hml", GATHERER_LEGACY),
    ("ia", "ice", GATHERER_LEGACY),
    ("al", "all", GATHERER_LEGACY),
    ("mi", "mir", GATHERER_LEGACY),
    ("vi", "vis", GATHERER_LEGACY),
    ("wl", "wth", GATHERER_LEGACY),
    ("te", "tmp", GATHERER_LEGACY),
    ("st", "sth", GATHERER_LEGACY),
    ("ex", "exo", GATHERER_LEGACY),
    ("uz", "usg", GATHERER_LEGACY),
    ("gu", "ulg", GATHERER_LEGACY),
    ("cg", "uds", GATHERER_LEGACY),
    ("mm", "mmq", GATHERER_LEGACY),
    ("ne", "nem", GATHERER_LEGACY),
    ("pr", "pcy", GATHERER_LEGACY),
    ("in", "inv", GATHERER_LEGACY),
    ("ps", "pls", GATHERER_LEGACY),
    ("ap", "apc", GATHERER_LEGACY),
    ("od", "ody", GATHERER_LEGACY),
    ("ch", "chr", GATHERER_LEGACY),
    ("po", "por", GATHERER_LEGACY),
    ("p2", "p02", GATHERER_LEGACY),
    ("pk", "ptk", GATHERER_LEGACY),
    ("ug", "ugl", GATHERER_LEGACY),
]

# The TCGplayer app's Set Code is mostly Scryfall's; where it is not, its Set column (the set
# name) resolves the row first. Codes seen differing:
MTGO_CODE = "Magic Online code, which TCGplayer's catalogue uses for this set"
TCGPLAYER_ALIASES: list[tuple[str, str, str]] = [
    ("po2", "p02", MTGO_CODE),
]

SET_ALIASES: dict[str, dict[str, str]] = {
    ImportFormat.DECKBOX: {alias: code for alias, code, _source in DECKBOX_ALIASES},
    ImportFormat.TCGPLAYER: {alias: code for alias, code, _source in TCGPLAYER_ALIASES},
}
