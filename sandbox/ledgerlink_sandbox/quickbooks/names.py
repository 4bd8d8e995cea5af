"""Name, address and product pools for the generator (US landscaping-supply flavour).

Includes unicode names and look-alike company names (case/punctuation variants) because
matching code downstream must cope with both.
"""

from __future__ import annotations

FIRST = (
    "Mark", "Grace", "Kirby", "Sasha", "Russ", "Amy", "Bill", "Dylan", "Jeff", "John", "Kate",
    "Nick", "Pam", "Peter", "Sonia", "Travis", "Adwin", "Alex", "Ana", "Ben", "Carla", "Chen",
    "Diego", "Elena", "Fatima", "Gabriel", "Hana", "Ivan", "Jamal", "Keiko", "Liam", "Maria",
    "Noah", "Olga", "Priya", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wei", "Ximena",
    "Yusuf", "Zoe", "Zoë", "José", "Łukasz", "Søren", "Anaïs", "Björn", "Dvořák", "Renée",
)
LAST = (
    "Cho", "Pariente", "Freeman", "Tillou", "Sonnenschein", "Lauterbach", "Smith", "Jones",
    "Garcia", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin",
    "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "King",
    "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell",
    "Roberts", "Carter", "Phillips", "Evans", "Turner", "Torres", "Parker", "Collins", "Edwards",
    "Stewart", "Flores", "Morris", "Nguyen", "Ångström", "Núñez", "Żółć", "Müller", "O'Brien",
    "García-Márquez", "Øster",
)
COMPANY_A = (
    "Acme", "Amy's", "Bay", "Blue", "Cedar", "Cool", "Coastal", "Diego's", "Evergreen",
    "Freeman", "Golden", "Green", "Harbor", "Hilltop", "Jeff's", "Kookies", "Lakeside", "Mesa",
    "Oak", "Pacific", "Pine", "Red", "Rock", "River", "Sierra", "Sunny", "Sushi", "Valley",
    "Willow", "Café Lumière", "Straße &", "Niño", "Łódź",
)
COMPANY_B = (
    "Landscaping", "Design", "Gardens", "Nursery", "Builders", "Cars", "Diner", "Sporting Goods",
    "Family Store", "Bird Sanctuary", "Pools", "Realty", "Bakery", "Vineyards", "Consulting",
    "Catering", "Farms", "Studios",
)
SUFFIX = ("Ltd", "Inc", "LLC", "Co", "Group", "& Sons", "Partners", "")
STREETS = (
    "Willow Rd", "Ocean Dr.", "Easy St.", "Cypress Hill Ave.", "Main St", "Ocean View Road",
    "Sierra Blvd", "Bayshore Pkwy", "Elm Ct", "Market St", "Camino Real", "Alameda de las Pulgas",
)
CITIES = (
    ("Menlo Park", "CA", "94304"), ("Half Moon Bay", "CA", "94213"), ("Middlefield", "CA", "94482"),
    ("Palo Alto", "CA", "94303"), ("San Mateo", "CA", "94401"), ("Bayshore", "CA", "94326"),
    ("Sunnyvale", "CA", "94086"), ("Fresno", "CA", "93650"), ("Portland", "OR", "97201"),
    ("Reno", "NV", "89501"),
)
# (name, unit price in cents, taxable)
PRODUCTS = (
    ("Services", 5000, False), ("Design", 7500, False), ("Installation", 5000, False),
    ("Gardening", 2500, False), ("Trimming", 3500, False), ("Hours", 1500, False),
    ("Pest Control", 3500, False), ("Maintenance & Repair", 5000, False),
    ("Rock Fountain", 27500, True), ("Fountain Pump", 1275, True), ("Concrete", 950, True),
    ("Sprinkler Heads", 200, True), ("Sprinkler Pipes", 400, True), ("Sod", 3500, True),
    ("Soil", 1000, True), ("Pump", 1500, True), ("Lighting", 4500, True),
    ("Garden Hose", 2200, True), ("Mulch", 800, True), ("Flagstone", 1900, True),
)


def look_alike(name: str, variant: int) -> str:
    """A differently-spelled twin: "Acme Ltd" -> "ACME Ltd." / "Acme, Ltd" / "acme ltd!"."""
    head, _, tail = name.partition(" ")
    if variant == 0:
        return f"{head.upper()} {tail}."
    if variant == 1:
        return f"{head}, {tail}"
    return f"{name.lower()} (new)"
