"""Swedish words for what an officer reads: counted nouns, and click's own texts in Swedish.

Standard library only. ``plural`` is the one place a count is put to a noun ("1 ansökan",
"2 ansökningar"). ``CLICK_TEXTS`` is the Swedish catalogue for the texts click writes itself
(usage line, help headings, missing and invalid values): click looks each of them up through
``gettext``, and lumledger.cli binds this catalogue to click for the duration of one command
(:func:`lumledger.cli.click_in_swedish`), so nothing outside the command line sees it.
"""

from __future__ import annotations

import gettext


def plural(count: int, one: str, many: str) -> str:
    """``count`` with the singular or plural noun: ``plural(1, "ansökan", "ansökningar")``."""
    return f"{count} {one if count == 1 else many}"


# click's message ids (its English texts, exactly as click's source passes them to ``_()``) and
# their Swedish. A translation may use fewer of the message's {fields} than the English (never
# others). Names of options and commands keep click's 'quotes' (its hints use them too); values
# the officer typed get Swedish ”quotes”.
CLICK_TEXTS: dict[str, str] = {
    # help
    "Usage:": "Användning:",
    "Options": "Flaggor",
    "Commands": "Kommandon",
    "Show this message and exit.": "Visa den här hjälpen och avsluta.",
    "Show the version and exit.": "Visa versionen och avsluta.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "required": "krävs",  # click passes it through a variable: _(extra["required"])
    "default: {default}": "standard: {default}",
    "env var: {var}": "miljövariabel: {var}",
    "(dynamic)": "(beräknas)",
    "deprecated": "utgår",
    "Choose from:\n\t{choices}": "Välj bland:\n\t{choices}",
    "Do you want to continue?": "Vill du fortsätta?",
    "Confirm the action without prompting.": "Bekräfta utan att fråga.",
    # errors around a command line
    "Error: {message}": "Fel: {message}",
    "Try '{command} {option}' for help.": "Skriv '{command} {option}' för hjälp.",
    "Missing command.": "Ange ett kommando.",
    "No such command {name!r}.": "Kommandot {name!r} finns inte.",
    "No such option {name!r}.": "Flaggan {name!r} finns inte.",
    "Missing argument": "Ange argumentet",
    "Missing option": "Ange flaggan",
    "Missing parameter": "Ange värdet",
    "Missing {param_type}": "Ange {param_type}",
    "Missing parameter: {param_name}": "Värdet saknas: {param_name}",
    "Invalid value for {param_hint}: {message}": "Ogiltigt värde för {param_hint}: {message}",
    "Invalid value: {message}": "Ogiltigt värde: {message}",
    "Option {name!r} does not take a value.": "Flaggan {name!r} tar inget värde.",
    "Argument {name!r} takes {nargs} values.": "Argumentet {name!r} tar {nargs} värden.",
    "Value must be an iterable.": "Värdet måste vara en lista.",
    "Aborted!": "Avbrutet.",
    "unknown error": "okänt fel",
    "Could not open file {filename!r}: {message}": "Filen ”{filename}” kunde inte öppnas: {message}",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": (
        "Obs: kommandot {name!r} utgår.{extra_message}"
    ),
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": (
        "Obs: {name!r} utgår.{extra_message}"
    ),
    # values (click's parameter types)
    "{value!r} is not a valid {number_type}.": "”{value}” är inte ett tal.",
    "{value} is not in the range {range}.": "{value} ligger utanför intervallet {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "”{value}” är varken ja eller nej. Giltiga värden: {states}"
    ),
    "{value!r} is not a valid UUID.": "”{value}” är inte ett giltigt UUID.",
    "file": "filen",
    "directory": "mappen",
    "path": "sökvägen",
    "{name} {filename!r} does not exist.": "{name} ”{filename}” finns inte.",
    "{name} {filename!r} is a file.": "{name} ”{filename}” är en fil.",
    "{name} {filename!r} is a directory.": "{name} ”{filename}” är en mapp.",
    "{name} {filename!r} is not readable.": "{name} ”{filename}” går inte att läsa.",
    "{name} {filename!r} is not writable.": "{name} ”{filename}” går inte att skriva.",
    "{name} {filename!r} is not executable.": "{name} ”{filename}” går inte att köra.",
    # the terminal
    "Press any key to continue...": "Tryck på valfri tangent för att fortsätta …",
    "Repeat for confirmation": "Upprepa för att bekräfta",
    "Error: The two entered values do not match.": "Fel: de två värdena är inte lika.",
    "Error: invalid input": "Fel: ogiltig inmatning",
    "d": "d",
    "{editor}: Editing failed": "{editor}: redigeringen misslyckades",
    "{editor}: Editing failed: {e}": "{editor}: redigeringen misslyckades: {e}",
    "Windows error: {error}": "Windows-fel: {error}",
    "Couldn't detect Bash version, shell completion is not supported.": (
        "Bash-versionen gick inte att avgöra; komplettering med tabb stöds inte."
    ),
    "Shell completion is not supported for Bash versions older than 4.4.": (
        "Komplettering med tabb stöds inte i Bash äldre än 4.4."
    ),
}

# click's ``ngettext`` messages: (English singular, English plural) -> (Swedish one, many).
CLICK_PLURAL_TEXTS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "Ett argument för mycket: {args}",
        "Argument för mycket: {args}",
    ),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "Menade du {possibility}?",
        "(Menade du någon av: {possibilities}?)",
    ),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "Flaggan {name!r} behöver ett värde.",
        "Flaggan {name!r} behöver {nargs} värden.",
    ),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): (
        "”{value}” är inte {choice}.",
        "”{value}” är inte något av {choices}.",
    ),
    (
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
    ): (
        "”{value}” har inte formatet {format}.",
        "”{value}” har inte något av formaten {formats}.",
    ),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): (
        "Tar {nargs} värden men 1 angavs.",
        "Tar {nargs} värden men {len} angavs.",
    ),
    (
        "{len_type} values are required, but {len_value} was given.",
        "{len_type} values are required, but {len_value} were given.",
    ): (
        "{len_type} värden krävs, men {len_value} angavs.",
        "{len_type} värden krävs, men {len_value} angavs.",
    ),
}


class ClickCatalogue(gettext.NullTranslations):
    """``CLICK_TEXTS`` as a gettext translation; a text it does not know stays as it is."""

    def gettext(self, message: str) -> str:
        return CLICK_TEXTS.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        one, many = CLICK_PLURAL_TEXTS.get((msgid1, msgid2), (msgid1, msgid2))
        return one if n == 1 else many


CLICK_CATALOGUE = ClickCatalogue()
