"""The demo catalogue's names in the families' languages: Spanish, Somali, Hmong.

Best-effort translations, awaiting a native speaker's review (README says so): a network
replaces them on its catalogue page with the words its families use.
"""

from __future__ import annotations

from inventory.models import NAME_TRANSLATION_FIELDS

# original name -> (Spanish, Somali, Hmong)
DEMO_NAMES: dict[str, tuple[str, str, str]] = {
    # Categories
    "Shelf-stable food": ("Alimentos no perecederos", "Cunto kaydsan", "Zaub mov khaws tau ntev"),
    "Produce": ("Frutas y verduras", "Khudaar iyo miro", "Zaub thiab txiv hmab txiv ntoo"),
    "Dairy and eggs": ("Lácteos y huevos", "Caano iyo ukun", "Mis nyuj thiab qe"),
    "Baby": ("Bebé", "Ilmo yar", "Me nyuam mos"),
    "Hygiene": ("Higiene", "Nadaafad", "Kev huv si"),
    "Household": ("Hogar", "Alaabta guriga", "Khoom siv hauv tsev"),
    "Clothing": ("Ropa", "Dhar", "Khaub ncaws"),
    "Over-the-counter medicine": (
        "Medicinas sin receta",
        "Daawo aan warqad dhakhtar u baahnayn",
        "Tshuaj yuav tau tsis tas muaj ntawv kws kho mob",
    ),
    # Shelf-stable food
    "Rice, 5 lb bag": ("Arroz, bolsa de 5 lb", "Bariis, bac 5 lb ah", "Mov, hnab 5 phaus"),
    "Dry black beans, 1 lb": (
        "Frijoles negros secos, 1 lb",
        "Digir madow oo qalalan, 1 lb",
        "Taum dub qhuav, 1 phaus",
    ),
    "Canned pinto beans": (
        "Frijoles pintos en lata",
        "Digir pinto oo qasac ah",
        "Taum pinto kaus poom",
    ),
    "Canned tomatoes": ("Tomates en lata", "Yaanyo qasac ah", "Txiv lws suav kaus poom"),
    "Canned chicken, halal": (
        "Pollo en lata, halal",
        "Digaag qasac ah, xalaal",
        "Nqaij qaib kaus poom, halal",
    ),
    "Canned pork and beans": (
        "Frijoles con cerdo en lata",
        "Digir iyo hilib doofaar oo qasac ah",
        "Nqaij npua thiab taum kaus poom",
    ),
    "Masa harina, 4 lb": (
        "Masa harina, 4 lb",
        "Bur galley (masa harina), 4 lb",
        "Hmoov pob kws (masa harina), 4 phaus",
    ),
    "Pasta, 1 lb": ("Pasta, 1 lb", "Baasto, 1 lb", "Pasta, 1 phaus"),
    "Cooking oil, 48 oz": (
        "Aceite de cocina, 48 oz",
        "Saliid cunto karis, 48 oz",
        "Roj ua zaub mov, 48 oz",
    ),
    "Peanut butter": ("Crema de cacahuate", "Subag looska", "Txiv laum huab xeeb zom"),
    "Oatmeal": ("Avena", "Boorash oats", "Hmoov oats"),
    # Produce
    "Onions, 3 lb": ("Cebollas, 3 lb", "Basal, 3 lb", "Dos hau, 3 phaus"),
    "Potatoes, 5 lb": ("Papas, 5 lb", "Baradho, 5 lb", "Qos yaj ywm, 5 phaus"),
    "Apples": ("Manzanas", "Tufaax", "Txiv apple"),
    "Bananas": ("Plátanos", "Muus", "Txiv tsawb"),
    "Tomatoes": ("Tomates", "Yaanyo", "Txiv lws suav"),
    "Carrots, 2 lb": ("Zanahorias, 2 lb", "Karooto, 2 lb", "Zaub ntug hauv paus, 2 phaus"),
    # Dairy and eggs
    "Milk, 1 gallon": ("Leche, 1 galón", "Caano, 1 galaan", "Mis nyuj, 1 galoos"),
    "Eggs": ("Huevos", "Ukun", "Qe"),
    "Cheese, 1 lb": ("Queso, 1 lb", "Farmaajo, 1 lb", "Tshis, 1 phaus"),
    "Yogurt, 32 oz": (
        "Yogur, 32 oz",
        "Caano fadhi (yogurt), 32 oz",
        "Kua mis qaub (yogurt), 32 oz",
    ),
    # Baby
    "Infant formula, powder": (
        "Fórmula infantil en polvo",
        "Caanaha ilmaha (budo)",
        "Mis hmoov rau me nyuam mos",
    ),
    "Diapers, size 3": (
        "Pañales, talla 3",
        "Xafaayad, cabbir 3",
        "Ntaub qhwv me nyuam (diapers), loj 3",
    ),
    "Diapers, size 5": (
        "Pañales, talla 5",
        "Xafaayad, cabbir 5",
        "Ntaub qhwv me nyuam (diapers), loj 5",
    ),
    "Baby wipes": ("Toallitas húmedas para bebé", "Shukumaan qoyan oo ilmaha", "Ntawv so me nyuam"),
    "Baby cereal": ("Cereal para bebé", "Boorash ilmaha", "Hmoov mov rau me nyuam mos"),
    # Hygiene
    "Toothpaste": ("Pasta de dientes", "Daawada cadayga", "Tshuaj txhuam hniav"),
    "Toothbrushes, 4-pack": (
        "Cepillos de dientes, paquete de 4",
        "Cadayo, baakad 4 ah",
        "Txhuam hniav, pob 4",
    ),
    "Soap bars, 3-pack": (
        "Jabón en barra, paquete de 3",
        "Saabuun, baakad 3 ah",
        "Xab npum, pob 3",
    ),
    "Shampoo": ("Champú", "Shaambo", "Tshuaj ntxuav plaub hau"),
    "Menstrual pads": ("Toallas sanitarias", "Suufka caadada", "Ntaub coj khaub ncaws"),
    "Deodorant": ("Desodorante", "Ur-dhimis", "Tshuaj tua ntxhiab"),
    # Household
    "Toilet paper, 12 rolls": (
        "Papel higiénico, 12 rollos",
        "Warqadda musqusha, 12 duub",
        "Ntawv tso quav, 12 dov",
    ),
    "Laundry detergent": (
        "Detergente para ropa",
        "Saabuunta dharka",
        "Xab npum ntxhua khaub ncaws",
    ),
    "Dish soap": ("Jabón para trastes", "Saabuunta weelka", "Xab npum ntxuav tais diav"),
    "Trash bags": ("Bolsas de basura", "Bacaha qashinka", "Hnab khib nyiab"),
    # Clothing
    "Winter coat, adult": (
        "Abrigo de invierno, adulto",
        "Jaakad jiilaal, qof weyn",
        "Tsho tiv no, neeg laus",
    ),
    "Winter coat, child": (
        "Abrigo de invierno, niño",
        "Jaakad jiilaal, ilmo",
        "Tsho tiv no, me nyuam",
    ),
    "Socks, adult": ("Calcetines, adulto", "Sharabaad, qof weyn", "Thom khwm, neeg laus"),
    "Gloves and hats": (
        "Guantes y gorros",
        "Gacmo-gashi iyo koofiyado",
        "Hnab looj tes thiab kaus mom",
    ),
    # Over-the-counter medicine
    "Acetaminophen, adult": (
        "Acetaminofén, adulto",
        "Acetaminophen (kaniini xanuun baabi'iye), qof weyn",
        "Tshuaj acetaminophen, neeg laus",
    ),
    "Children's fever reducer": (
        "Medicina para la fiebre infantil",
        "Daawada qandhada carruurta",
        "Tshuaj txo ua npaws rau me nyuam",
    ),
    "Cough drops": ("Pastillas para la tos", "Macmacaanka qufaca", "Tshuaj qab zib hnoos"),
    "Bandages": ("Curitas", "Faashado", "Ntaub qhwv qhov txhab"),
}


def demo_translations(name: str) -> dict[str, str]:
    """The demo row's translated names as model fields (`name_es`, ...); none if unknown."""
    return dict(zip(NAME_TRANSLATION_FIELDS, DEMO_NAMES.get(name, ()), strict=False))
