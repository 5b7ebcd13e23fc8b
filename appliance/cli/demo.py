"""The demo hub: a deterministic catalogue and config for ``simulate``, the demo and the tests.

The same catalogue seeds the local OFN sandbox, so a demo sale names variants OFN knows.
"""

from __future__ import annotations

import random
from importlib import resources

from appliance.core.barcodes import gtin_check_digit
from appliance.core.customer import Customer, customer
from appliance.core.sale import PricedBy
from appliance.store.catalogue import Variant

#: OFN tax categories of the demo hub and the French rates the demo config maps them to.
FOOD, PREPARED, STANDARD = 1, 2, 3

_LOOSE = [
    "Apples Gala",
    "Apples Reinette",
    "Apples Boskoop",
    "Pears Conference",
    "Pears Williams",
    "Carrots",
    "Carrots bunched",
    "Potatoes Charlotte",
    "Potatoes Bintje",
    "Potatoes Agata",
    "Sweet potatoes",
    "Leeks",
    "Onions yellow",
    "Onions red",
    "Shallots",
    "Garlic",
    "Tomatoes round",
    "Tomatoes cherry",
    "Tomatoes heritage",
    "Courgettes",
    "Aubergines",
    "Peppers red",
    "Cucumbers",
    "Beetroot raw",
    "Beetroot cooked",
    "Celeriac",
    "Parsnips",
    "Turnips",
    "Squash butternut",
    "Squash potimarron",
    "Mushrooms button",
    "Mushrooms oyster",
    "Spinach",
    "Chard",
    "Kale",
    "Lamb's lettuce",
    "Rocket",
    "Radishes",
    "Fennel",
    "Jerusalem artichokes",
    "Kiwis",
    "Plums",
    "Peaches",
    "Apricots",
    "Cherries",
    "Strawberries",
    "Grapes white",
    "Grapes black",
    "Walnuts",
    "Hazelnuts",
    "Chestnuts",
    "Lentils green loose",
    "Oats loose",
    "Rice loose",
    "Comté",
    "Tomme",
    "Beef mince",
    "Pork chops",
    "Chicken thighs",
    "Trout fillets",
]
_PACKED = [
    ("Honey acacia 500 g", FOOD),
    ("Honey chestnut 250 g", FOOD),
    ("Jam apricot 370 g", FOOD),
    ("Jam strawberry 370 g", FOOD),
    ("Apple juice 1 l", FOOD),
    ("Pear juice 1 l", FOOD),
    ("Flour T65 1 kg", FOOD),
    ("Flour T80 1 kg", FOOD),
    ("Pasta fusilli 500 g", FOOD),
    ("Lentils 500 g", FOOD),
    ("Chickpeas 500 g", FOOD),
    ("Yoghurt plain 4×125 g", FOOD),
    ("Butter 250 g", FOOD),
    ("Cream 20 cl", FOOD),
    ("Milk 1 l", FOOD),
    ("Eggs ×6", FOOD),
    ("Eggs ×12", FOOD),
    ("Chocolate dark 100 g", FOOD),
    ("Biscuits 200 g", FOOD),
    ("Olive oil 75 cl", FOOD),
    ("Sunflower oil 1 l", FOOD),
    ("Cider brut 75 cl", STANDARD),
    ("Beer blonde 33 cl", STANDARD),
    ("Beer amber 33 cl", STANDARD),
    ("Red wine 75 cl", STANDARD),
    ("White wine 75 cl", STANDARD),
    ("Soap lavender", STANDARD),
    ("Candle beeswax", STANDARD),
    ("Terrine 180 g", PREPARED),
    ("Soup pumpkin 1 l", PREPARED),
    ("Quiche slice", PREPARED),
    ("Lasagne portion", PREPARED),
]
#: The demo's OFN categories (primary taxons) and tags, which a channel's assortment reads.
LOOSE_CATEGORY, BAKERY_CATEGORY = 11, 12
PACKED_CATEGORIES = {FOOD: 13, STANDARD: 14, PREPARED: 15}
_ALCOHOL = ("Cider", "Beer", "Red wine", "White wine")
_PRODUCERS = [
    "Ferme des Saules",
    "Le Pré Vert",
    "Les Jardins d'Émile",
    "La Ruche",
    "Moulin Neuf",
    "Brasserie du Val",
    "Domaine Sainte-Croix",
    "Fromagerie Bel Air",
]
_ON_DEMAND = [
    "Bread country loaf",
    "Bread rye",
    "Baguette",
    "Brioche",
    "Croissant",
    "Pain au chocolat",
    "Veg box small",
    "Veg box large",
    "Fruit box",
    "Flower bouquet",
]


def demo_variants(count: int = 320, seed: int = 7) -> list[Variant]:
    """At least ``count`` variants: loose produce by the kg, packaged goods with an EAN, on-demand."""
    rng = random.Random(seed)
    variants: list[Variant] = []
    next_id = 1001
    for name in _LOOSE:
        variants.append(
            Variant(
                next_id,
                next_id,
                name,
                f"PLU{next_id}",
                rng.randrange(150, 2500, 10),
                PricedBy.WEIGHT,
                1000,
                FOOD,
                rng.randrange(20, 200),
                False,
                category_id=LOOSE_CATEGORY,
                tags=("loose",),
            )
        )
        next_id += 1
    for name in _ON_DEMAND:
        variants.append(
            Variant(
                next_id,
                next_id,
                name,
                f"OD{next_id}",
                rng.randrange(120, 2500, 10),
                PricedBy.EACH,
                None,
                FOOD,
                None,
                True,
                category_id=BAKERY_CATEGORY,
                tags=("bakery",),
            )
        )
        next_id += 1
    while len(variants) < count:
        name, category = _PACKED[len(variants) % len(_PACKED)]
        # each round of the products moves every one to the next producer: no two variants share a name
        maker = _PRODUCERS[(len(variants) + len(variants) // len(_PACKED)) % len(_PRODUCERS)]
        body = f"376{next_id:09d}"
        ean = body + str(gtin_check_digit(body))
        variants.append(
            Variant(
                next_id,
                next_id,
                f"{name} — {maker}",
                ean,
                rng.randrange(90, 1800, 5),
                PricedBy.EACH,
                None,
                category,
                rng.randrange(5, 60),
                False,
                category_id=PACKED_CATEGORIES[category],
                tags=("alcohol",) if name.startswith(_ALCOHOL) else (),
            )
        )
        next_id += 1
    return variants


def demo_customers() -> list[Customer]:
    """Customers who ask the demo hub for invoices, when the box has none of its own yet."""
    return [
        customer("Épicerie Le Panier Vert", ["3 place du Marché", "79000 Niort"], vat_number="FR40303265045"),
        customer("Restaurant L'Assiette Locale", ["18 rue Ricard", "79000 Niort"], vat_number="FR03552081317"),
        customer("Chloé Durand", ["20 avenue de Paris", "86000 Poitiers"], email="chloe.durand@example.org"),
        customer("Association Les Jardins du Lambon", ["Lieu-dit Le Lambon", "79410 Échiré"]),
    ]


def demo_config_text() -> str:
    return resources.files("appliance").joinpath("data/demo-config.toml").read_text(encoding="utf-8")
