"""Sample leads for `leadroute demo`: a deterministic, realistic stream made up in code, and
posting it through intake so every lead is routed, recorded and explained like a real one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from random import Random
from typing import Any

from leadroute.services.intake import take_lead
from leadroute.services.principals import Principal
from leadroute.services.runtime import Runtime


@dataclass(frozen=True, kw_only=True, slots=True)
class _Country:
    code: str
    names: tuple[str, ...]
    """How people write the country: the first is the ISO code, the rest spellings."""
    languages: tuple[str, ...]
    places: tuple[tuple[str, str], ...]
    """(region as people write it, or "" when they leave it out; a city in it)."""
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    tld: str
    free_mail: tuple[str, ...]
    phones: tuple[str, ...]
    """Number patterns that are valid in the country: `#` is a random digit; a pattern
    without `+` is written the local way and read in the lead's country."""
    weight: int


_COUNTRIES = (
    _Country(
        code="US",
        names=("US", "United States", "USA"),
        languages=("en", "en", "en", "en", "es"),
        places=(
            ("California", "San Francisco"),
            ("US-WA", "Seattle"),
            ("NY", "New York"),
            ("Texas", "Austin"),
            ("Florida", "Miami"),
            ("Illinois", "Chicago"),
            ("CA", "Los Angeles"),
            ("WA", "Spokane"),
        ),
        first_names=("Emily", "Michael", "Jessica", "David", "Ashley", "Chris", "Taylor"),
        last_names=("Johnson", "Miller", "Garcia", "Brown", "Davis", "Wilson", "Nguyen"),
        tld="com",
        free_mail=("gmail.com", "yahoo.com", "outlook.com"),
        phones=("+1 415 555 01##", "(206) 555-01##", "+1 (312) 555-01##", "212-555-01##"),
        weight=8,
    ),
    _Country(
        code="CA",
        names=("CA", "Canada"),
        languages=("en", "en", "fr"),
        places=(
            ("Ontario", "Toronto"),
            ("BC", "Vancouver"),
            ("Quebec", "Montreal"),
            ("Alberta", "Calgary"),
        ),
        first_names=("Olivia", "Liam", "Chloé", "Noah", "Maëlle", "Ethan"),
        last_names=("Tremblay", "Roy", "Smith", "MacDonald", "Gagnon", "Campbell"),
        tld="ca",
        free_mail=("gmail.com", "hotmail.ca"),
        phones=("(416) 555-01##", "+1 604 555 01##"),
        weight=3,
    ),
    _Country(
        code="BR",
        names=("BR", "Brazil", "Brasil"),
        languages=("pt", "pt", "pt-BR", "Portuguese"),
        places=(
            ("SP", "São Paulo"),
            ("RJ", "Rio de Janeiro"),
            ("MG", "Belo Horizonte"),
            ("BR-PR", "Curitiba"),
        ),
        first_names=("João", "Mariana", "Lucas", "Beatriz", "Rafael", "Camila"),
        last_names=("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Almeida"),
        tld="com.br",
        free_mail=("gmail.com", "uol.com.br", "hotmail.com"),
        phones=("(11) 9####-####", "+55 21 9####-####", "+55 31 3###-####"),
        weight=4,
    ),
    _Country(
        code="MX",
        names=("MX", "Mexico", "México"),
        languages=("es", "es", "Spanish"),
        places=(
            ("Ciudad de México", "Ciudad de México"),
            ("Jalisco", "Guadalajara"),
            ("Nuevo León", "Monterrey"),
        ),
        first_names=("Sofía", "Diego", "Valentina", "Santiago", "Fernanda", "Emiliano"),
        last_names=("Hernández", "López", "Martínez", "González", "Ramírez", "Flores"),
        tld="com.mx",
        free_mail=("gmail.com", "hotmail.com", "yahoo.com.mx"),
        phones=("55 #### ####", "+52 33 #### ####", "+52 81 #### ####"),
        weight=3,
    ),
    _Country(
        code="ES",
        names=("ES", "Spain", "España"),
        languages=("es", "es", "Spanish"),
        places=(("Madrid", "Madrid"), ("Valencia", "Valencia"), ("", "Barcelona"), ("", "Sevilla")),
        first_names=("Lucía", "Hugo", "Martina", "Pablo", "Carmen", "Álvaro"),
        last_names=("García", "Fernández", "Rodríguez", "Sánchez", "Pérez", "Gómez"),
        tld="es",
        free_mail=("gmail.com", "hotmail.es"),
        phones=("91 ### ## ##", "+34 93 ### ## ##", "+34 6## ### ###"),
        weight=2,
    ),
    _Country(
        code="GB",
        names=("GB", "United Kingdom", "UK"),
        languages=("en",),
        places=(("", "London"), ("", "Manchester"), ("", "Edinburgh"), ("", "Bristol")),
        first_names=("Oliver", "Amelia", "Harry", "Isla", "George", "Poppy"),
        last_names=("Smith", "Jones", "Taylor", "Brown", "Evans", "Wright"),
        tld="co.uk",
        free_mail=("gmail.com", "btinternet.com"),
        phones=("020 7946 0###", "+44 20 7946 0###"),
        weight=2,
    ),
    _Country(
        code="DE",
        names=("DE", "Germany", "Deutschland"),
        languages=("de", "de", "en"),
        places=(("Berlin", "Berlin"), ("Bayern", "München"), ("Hamburg", "Hamburg"), ("", "Köln")),
        first_names=("Lukas", "Anna", "Felix", "Lena", "Jonas", "Marie"),
        last_names=("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker"),
        tld="de",
        free_mail=("gmail.com", "web.de", "gmx.de"),
        phones=("030 #######", "+49 89 #######", "+49 40 #######"),
        weight=2,
    ),
)

_COMPANY_WORDS = (
    "Northwind", "Bluefin", "Lumen", "Cobalt", "Granite", "Harbor", "Juniper", "Kestrel",
    "Meridian", "Nimbus", "Orchid", "Pinnacle", "Quarry", "Redwood", "Summit", "Tidal",
    "Vertex", "Willow", "Zenith", "Aurora", "Beacon", "Cedar", "Delta", "Ember",
)  # fmt: skip
_COMPANY_KINDS = (
    "Logistics", "Health", "Labs", "Foods", "Energy", "Retail", "Analytics", "Systems",
    "Capital", "Robotics", "Media", "Logística", "Tecnologia", "Soluciones",
)  # fmt: skip
_INDUSTRIES = (
    "software", "retail", "logistics", "healthcare", "manufacturing", "financial services",
    "education", "media", "food and beverage", "energy",
)  # fmt: skip
_SIZES = (3, 12, 25, 40, 80, 150, 250, 400, 600, 850, "1,200", 1500, 2500, "5000+", 12000)
_SIZE_WEIGHTS = (8, 10, 12, 10, 10, 9, 8, 6, 5, 4, 3, 3, 2, 2, 1)
_SOURCES = ("web_form", "webinar", "paid_search", "organic", "referral", "partner")
_SOURCE_WEIGHTS = (30, 12, 22, 18, 10, 8)
_PRODUCTS = ("Routing", "Scheduling", "Analytics", "Enterprise Suite", "API")
_BUDGETS = ("$5k", "$10,000", 25000, "50k", "USD 120 000", "€30.000", "R$ 80.000", None)
_TIMEFRAMES = ("now", "this_quarter", "next_quarter", "this_year", "researching")
_NEEDS = (
    "Leads sit for hours before anyone calls them back",
    "We want round robin across two regional teams",
    "Looking to replace spreadsheets for lead assignment",
    "Need territories for North America and LATAM",
    "Evaluating tools for our new SDR team",
    "Our partners send leads by email and we lose track",
)

# Leads that show the packaged routing file at work, placed every few leads of the stream.
_SHOWCASE: tuple[dict[str, object], ...] = (
    {
        "name": "Margaret Ellis", "email": "margaret.ellis@globex-industries.com",
        "company": "Globex Industries", "company_size": 4200, "country": "United States",
        "region": "NY", "industry": "manufacturing", "source": "webinar",
        "product": "Enterprise Suite", "budget": "$250k", "timeframe": "this_quarter",
        "wants_demo": True,
    },
    {
        "name": "Sofía Ramírez", "email": "sofia.ramirez@cobalt-soluciones.com.mx",
        "phone": "55 5123 4567", "company": "Cobalt Soluciones", "company_size": 120,
        "country": "Mexico", "region": "Ciudad de México", "language": "es",
        "source": "paid_search", "product": "Routing", "timeframe": "now",
    },
    {
        "name": "João Pereira", "email": "joao.pereira@tidal-tecnologia.com.br",
        "phone": "+55 11 98765-4321", "company": "Tidal Tecnologia", "company_size": 60,
        "country": "Brasil", "language": "Portuguese", "source": "organic",
        "product": "Analytics", "budget": "R$ 40.000", "timeframe": "next_quarter",
    },
    {
        "name": "Kevin Tran", "email": "kevin.tran@redwood-analytics.com",
        "phone": "(415) 555-0142", "company": "Redwood Analytics", "company_size": 85,
        "country": "US", "region": "California", "source": "web_form", "product": "API",
        "timeframe": "this_quarter",
    },
    {
        "name": "Hannah Berg", "email": "hannah@kestrel-health.com", "company": "Kestrel Health",
        "company_size": 300, "country": "USA", "region": "WA", "source": "referral",
        "industry": "healthcare", "timeframe": "this_year",
    },
    {
        "name": "Test User", "email": "qa@testco.com", "company": "Test Co",
        "company_size": 1, "source": "web_form", "need": "asdf",
    },
    {
        "name": "Carlos Mendes", "email": "carlosmendes1987@gmail.com", "phone": "(416) 555-0199",
        "country": "Canada", "region": "Ontario", "source": "organic", "product": "Scheduling",
        "timeframe": "researching",
    },
    {
        "name": "Priyanka Rao", "email": "priyanka.rao@@summit-capital",
        "company": "Summit Capital", "company_size": 45, "country": "GB", "source": "partner",
        "timeframe": "next_quarter",
    },
    {
        "name": "Takeshi Mori", "email": "t.mori@zenith-robotics.ca", "company": "Zenith Robotics",
        "company_size": "1,500", "country": "CA", "region": "BC", "source": "webinar",
        "product": "Enterprise Suite", "timeframe": "now", "wants_demo": True,
    },
    {
        "name": "Amy Chen", "email": "amy.chen.sf@yahoo.com", "phone": "+1 650 555 0123",
        "country": "US", "region": "US-CA", "source": "paid_search", "timeframe": "now",
    },
)  # fmt: skip
_SHOWCASE_EVERY = 4


def demo_leads(count: int, *, seed: int = 7) -> list[dict[str, object]]:
    """`count` sample lead payloads, the same for the same `seed`: people and companies in the
    US, Canada, Brazil, Mexico, Spain, the UK and Germany, with the fields a web form or an ad
    platform sends (some written loosely: country names, local phone numbers, `"1,200"`). Every
    fourth lead, from the first, is one of a few that show the packaged routing file at work:
    an enterprise account, Spanish and Portuguese speakers, US-CA and US-WA territories, a junk
    lead from "Test Co", free-mail addresses and one malformed email that intake flags."""
    rng = Random(seed)
    leads: list[dict[str, object]] = []
    for index in range(max(count, 0)):
        showcase, turn = divmod(index, _SHOWCASE_EVERY)
        if turn == 0 and showcase < len(_SHOWCASE):
            leads.append(dict(_SHOWCASE[showcase]))
        else:
            leads.append(_made_up(rng))
    return leads


def run_demo(
    *,
    runtime: Runtime,
    caller: Principal,
    now: Callable[[], datetime],
    count: int = 40,
    seed: int = 7,
    on_lead: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, int]:
    """Post `demo_leads(count, seed=seed)` through intake one by one, each in its own
    transaction, calling `on_lead` with each answer body. Returns how many leads each rep got
    (keyed by rep id) and each pool got (keyed `pool:<name>`); the counts add up to `count`."""
    counts: Counter[str] = Counter()
    for payload in demo_leads(count, seed=seed):
        answer = take_lead(runtime=runtime, payload=payload, caller=caller, now=now())
        body = answer.body
        owner, pool = body.get("owner"), body.get("pool")
        counts[str(owner) if owner is not None else f"pool:{pool}"] += 1
        if on_lead is not None:
            on_lead(body)
    return dict(counts)


def _made_up(rng: Random) -> dict[str, object]:
    country = rng.choices(_COUNTRIES, weights=[c.weight for c in _COUNTRIES])[0]
    first, last = rng.choice(country.first_names), rng.choice(country.last_names)
    company = f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_COMPANY_KINDS)}"
    domain = f"{_slug(company)}.{country.tld}"
    free = rng.random() < 0.15
    mailbox = f"{_slug(first)}.{_slug(last)}" + (str(rng.randint(1, 99)) if free else "")
    lead: dict[str, object] = {
        "name": f"{first} {last}",
        "email": f"{mailbox}@{rng.choice(country.free_mail) if free else domain}",
        "company": company,
        "country": rng.choice(country.names),
        "language": rng.choice(country.languages),
        "company_size": rng.choices(_SIZES, weights=_SIZE_WEIGHTS)[0],
        "industry": rng.choice(_INDUSTRIES),
        "source": rng.choices(_SOURCES, weights=_SOURCE_WEIGHTS)[0],
        "product": rng.choice(_PRODUCTS),
        "timeframe": rng.choice(_TIMEFRAMES),
    }
    if not free:
        lead["domain"] = domain if rng.random() < 0.5 else f"https://www.{domain}/"
    if rng.random() < 0.7:
        lead["phone"] = _digits(rng.choice(country.phones), rng)
    region, city = rng.choice(country.places)
    if region and rng.random() < 0.8:
        lead["region"] = region
    if rng.random() < 0.6:
        lead["city"] = city
    budget = rng.choice(_BUDGETS)
    if budget is not None:
        lead["budget"] = budget
    if rng.random() < 0.4:
        lead["need"] = rng.choice(_NEEDS)
    if rng.random() < 0.3:
        lead["wants_demo"] = True
    return lead


def _digits(pattern: str, rng: Random) -> str:
    return "".join(str(rng.randint(0, 9)) if char == "#" else char for char in pattern)


def _slug(text: str) -> str:
    plain = text.lower().translate(_PLAIN_LETTERS)
    return "-".join(
        "".join(c for c in word if c.isascii() and c.isalnum()) for word in plain.split()
    )


_PLAIN_LETTERS = str.maketrans("áàâãäçéèêëíìîïñóòôõöúùûüß", "aaaaaceeeeiiiinooooouuuus")


__all__ = ["demo_leads", "run_demo"]
