"""Interface language (fi/en): choice by ?lang=, cookie, then the browser's Accept-Language;
UI strings; dates and amounts formatted for the language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Flask, g, request

LANGUAGES = ("fi", "en")
DEFAULT = "fi"
COOKIE = "lang"

# UI strings; add keys in both languages
STRINGS: dict[str, dict[str, str]] = {
    "site.tagline": {
        "fi": "Suomen sosiaali- ja terveysalan kehittämishankkeiden tietoverkko",
        "en": "A knowledge graph of Finnish social- and health-care development projects",
    },
    "nav.home": {"fi": "Etusivu", "en": "Home"},
    "nav.sparql": {"fi": "SPARQL", "en": "SPARQL"},
    "nav.language": {"fi": "In English", "en": "Suomeksi"},
    "release": {"fi": "Julkaisu", "en": "Release"},
}


def choose_language() -> str:
    asked = request.args.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def current_language() -> str:
    if "lang" not in g:
        g.lang = choose_language()
    return g.lang


def translate(key: str, lang: str | None = None) -> str:
    entry = STRINGS.get(key)
    if entry is None:
        return key
    return entry.get(lang or current_language()) or entry.get(DEFAULT) or key


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(value: str | date, lang: str | None = None) -> str:
    """1.8.2024 in Finnish, 1 Aug 2024 in English; other values (years, text) unchanged."""
    try:
        parsed = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    if (lang or current_language()) == "fi":
        return f"{parsed.day}.{parsed.month}.{parsed.year}"
    return f"{parsed.day} {_MONTHS_EN[parsed.month - 1]} {parsed.year}"


def format_amount(value, lang: str | None = None, currency: str = "€") -> str:
    """356 164 € in Finnish (no-break spaces), €356,164 in English; decimals kept when present."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    decimals = 0 if number == number.to_integral_value() else 2
    text = f"{number:,.{decimals}f}"
    if (lang or current_language()) == "fi":
        text = text.replace(",", "\u00a0").replace(".", ",")
        return f"{text}\u00a0{currency}"
    return f"{currency}{text}"


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(_=translate, lang=current_language, languages=LANGUAGES)
    app.jinja_env.filters.update(date=format_date, amount=format_amount)

    @app.after_request
    def remember(response):
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax")
        response.vary.add("Accept-Language")
        return response
