"""Word lists for generated data: Finnish regions, public bodies, names and project vocabulary (fi, en).

Real names are used where the set is small and public (regions, wellbeing services counties, ELY
Centres, ministries, universities of applied sciences); people, municipalities beyond the listed
ones, and projects are made up.
"""

from __future__ import annotations

# (slug, Finnish name, genitive stem used in organisation names, English name, Swedish name)
REGIONS = [
    ("uusimaa", "Uusimaa", "Uudenmaan", "Uusimaa", "Nyland"),
    ("varsinais-suomi", "Varsinais-Suomi", "Varsinais-Suomen", "Southwest Finland", "Egentliga Finland"),
    ("satakunta", "Satakunta", "Satakunnan", "Satakunta", "Satakunda"),
    ("kanta-hame", "Kanta-Häme", "Kanta-Hämeen", "Kanta-Häme", "Egentliga Tavastland"),
    ("pirkanmaa", "Pirkanmaa", "Pirkanmaan", "Pirkanmaa", "Birkaland"),
    ("paijat-hame", "Päijät-Häme", "Päijät-Hämeen", "Päijät-Häme", "Päijänne-Tavastland"),
    ("kymenlaakso", "Kymenlaakso", "Kymenlaakson", "Kymenlaakso", "Kymmenedalen"),
    ("etela-karjala", "Etelä-Karjala", "Etelä-Karjalan", "South Karelia", "Södra Karelen"),
    ("etela-savo", "Etelä-Savo", "Etelä-Savon", "South Savo", "Södra Savolax"),
    ("pohjois-savo", "Pohjois-Savo", "Pohjois-Savon", "North Savo", "Norra Savolax"),
    ("pohjois-karjala", "Pohjois-Karjala", "Pohjois-Karjalan", "North Karelia", "Norra Karelen"),
    ("keski-suomi", "Keski-Suomi", "Keski-Suomen", "Central Finland", "Mellersta Finland"),
    ("etela-pohjanmaa", "Etelä-Pohjanmaa", "Etelä-Pohjanmaan", "South Ostrobothnia", "Södra Österbotten"),
    ("pohjanmaa", "Pohjanmaa", "Pohjanmaan", "Ostrobothnia", "Österbotten"),
    ("keski-pohjanmaa", "Keski-Pohjanmaa", "Keski-Pohjanmaan", "Central Ostrobothnia", "Mellersta Österbotten"),
    ("pohjois-pohjanmaa", "Pohjois-Pohjanmaa", "Pohjois-Pohjanmaan", "North Ostrobothnia", "Norra Österbotten"),
    ("kainuu", "Kainuu", "Kainuun", "Kainuu", "Kajanaland"),
    ("lappi", "Lappi", "Lapin", "Lapland", "Lappland"),
]

# collaborative areas (yhteistyöalueet) and the regions in each
COLLABORATIVE_AREAS = [
    ("etela-suomen-yhteistyoalue", "Etelä-Suomen yhteistyöalue", "Southern Finland collaborative area",
     ["uusimaa", "kymenlaakso", "etela-karjala"]),
    ("lansi-suomen-yhteistyoalue", "Länsi-Suomen yhteistyöalue", "Western Finland collaborative area",
     ["varsinais-suomi", "satakunta", "pirkanmaa", "kanta-hame"]),
    ("ita-suomen-yhteistyoalue", "Itä-Suomen yhteistyöalue", "Eastern Finland collaborative area",
     ["etela-savo", "pohjois-savo", "pohjois-karjala", "paijat-hame"]),
    ("keski-suomen-yhteistyoalue", "Keski-Suomen yhteistyöalue", "Central Finland collaborative area",
     ["keski-suomi", "etela-pohjanmaa", "pohjanmaa"]),
    ("pohjois-suomen-yhteistyoalue", "Pohjois-Suomen yhteistyöalue", "Northern Finland collaborative area",
     ["pohjois-pohjanmaa", "keski-pohjanmaa", "kainuu", "lappi"]),
]

MUNICIPALITIES = [
    "Helsinki", "Espoo", "Vantaa", "Tampere", "Turku", "Oulu", "Jyväskylä", "Kuopio", "Lahti", "Pori",
    "Kouvola", "Joensuu", "Lappeenranta", "Hämeenlinna", "Vaasa", "Seinäjoki", "Rovaniemi", "Mikkeli",
    "Porvoo", "Kotka", "Salo", "Kokkola", "Hyvinkää", "Lohja", "Järvenpää", "Rauma", "Kajaani",
    "Kerava", "Savonlinna", "Nokia", "Kangasala", "Ylöjärvi", "Riihimäki", "Raasepori", "Imatra",
    "Raahe", "Sastamala", "Tornio", "Kemi", "Iisalmi", "Varkaus", "Valkeakoski", "Kurikka", "Forssa",
    "Heinola", "Pieksämäki", "Kauhajoki", "Lapua", "Uusikaupunki", "Ylivieska", "Kuusamo", "Loviisa",
    "Kauhava", "Jämsä", "Naantali", "Kempele", "Sotkamo", "Pietarsaari", "Kontiolahti", "Nurmijärvi",
    "Tuusula", "Sipoo", "Kirkkonummi", "Lieto", "Kaarina", "Pirkkala", "Lempäälä", "Orimattila",
    "Mäntsälä", "Hollola", "Liperi", "Siilinjärvi", "Leppävirta", "Suonenjoki", "Kitee", "Nurmes",
    "Kemijärvi", "Sodankylä", "Inari", "Utsjoki", "Kuhmo", "Suomussalmi", "Haapavesi", "Nivala",
]
# syllables for further, made-up municipality names
PLACE_HEADS = ["Koski", "Järvi", "Mäki", "Lahti", "Salmi", "Kangas", "Niemi", "Harju", "Suo", "Joki",
               "Lampi", "Saari", "Vaara", "Kallio", "Ranta", "Metsä", "Pelto", "Aho", "Kylä", "Kumpu"]
PLACE_TAILS = ["la", "lä", "nen", "vesi", "joki", "järvi", "mäki", "salo", "pää", "kylä", "koski", "ranta"]

WELLBEING_UNITS = [
    ("perhe-ja-sosiaalipalvelut", "perhe- ja sosiaalipalvelut", "family and social services"),
    ("lasten-ja-nuorten-palvelut", "lasten ja nuorten palvelut", "services for children and young people"),
    ("mielenterveys-ja-paihdepalvelut", "mielenterveys- ja päihdepalvelut", "mental health and substance abuse services"),
    ("kehittamisyksikko", "kehittämisyksikkö", "development unit"),
]

COMPETENCE_CENTRES = [
    ("poske", "Pohjois-Suomen sosiaalialan osaamiskeskus", "Poske", "Northern Finland social welfare competence centre"),
    ("iso", "Itä-Suomen sosiaalialan osaamiskeskus", "ISO", "Eastern Finland social welfare competence centre"),
    ("socca", "Pääkaupunkiseudun sosiaalialan osaamiskeskus", "Socca", "Helsinki metropolitan area social welfare competence centre"),
    ("sonet-botnia", "Sosiaalialan osaamiskeskus SONet BOTNIA", "SONet BOTNIA", "Ostrobothnia social welfare competence centre"),
    ("pikassos", "Pirkanmaan ja Kanta-Hämeen sosiaalialan osaamiskeskus", "Pikassos", "Pirkanmaa and Kanta-Häme social welfare competence centre"),
    ("verso", "Varsinais-Suomen sosiaalialan osaamiskeskus", "Verso", "Southwest Finland social welfare competence centre"),
    ("koske", "Kaakkois-Suomen sosiaalialan osaamiskeskus", "Koske", "South-East Finland social welfare competence centre"),
    ("keski-suomen-sosiaalialan-osaamiskeskus", "Keski-Suomen sosiaalialan osaamiskeskus", "KSSOK", "Central Finland social welfare competence centre"),
]

# (slug, Finnish name, abbreviation, English name)
UNIVERSITIES = [
    ("xamk", "Kaakkois-Suomen ammattikorkeakoulu", "Xamk", "South-Eastern Finland University of Applied Sciences"),
    ("savonia", "Savonia-ammattikorkeakoulu", "Savonia", "Savonia University of Applied Sciences"),
    ("karelia", "Karelia-ammattikorkeakoulu", "Karelia", "Karelia University of Applied Sciences"),
    ("lapin-amk", "Lapin ammattikorkeakoulu", "Lapin AMK", "Lapland University of Applied Sciences"),
    ("oamk", "Oulun ammattikorkeakoulu", "Oamk", "Oulu University of Applied Sciences"),
    ("diak", "Diakonia-ammattikorkeakoulu", "Diak", "Diaconia University of Applied Sciences"),
    ("laurea", "Laurea-ammattikorkeakoulu", "Laurea", "Laurea University of Applied Sciences"),
    ("metropolia", "Metropolia Ammattikorkeakoulu", "Metropolia", "Metropolia University of Applied Sciences"),
    ("turun-amk", "Turun ammattikorkeakoulu", "Turun AMK", "Turku University of Applied Sciences"),
    ("tamk", "Tampereen ammattikorkeakoulu", "TAMK", "Tampere University of Applied Sciences"),
    ("jamk", "Jyväskylän ammattikorkeakoulu", "Jamk", "JAMK University of Applied Sciences"),
    ("centria", "Centria-ammattikorkeakoulu", "Centria", "Centria University of Applied Sciences"),
    ("seamk", "Seinäjoen ammattikorkeakoulu", "SeAMK", "Seinäjoki University of Applied Sciences"),
    ("samk", "Satakunnan ammattikorkeakoulu", "SAMK", "Satakunta University of Applied Sciences"),
    ("hamk", "Hämeen ammattikorkeakoulu", "HAMK", "Häme University of Applied Sciences"),
    ("lab", "LAB-ammattikorkeakoulu", "LAB", "LAB University of Applied Sciences"),
    ("vamk", "Vaasan ammattikorkeakoulu", "VAMK", "Vaasa University of Applied Sciences"),
    ("kamk", "Kajaanin ammattikorkeakoulu", "KAMK", "Kajaani University of Applied Sciences"),
    ("humak", "Humanistinen ammattikorkeakoulu", "Humak", "Humak University of Applied Sciences"),
    ("novia", "Yrkeshögskolan Novia", "Novia", "Novia University of Applied Sciences"),
]
UNIVERSITY_UNITS = [
    ("sote-tki", "sosiaali- ja terveysalan TKI-yksikkö", "social and health care RDI unit"),
    ("hyvinvointiosaaminen", "hyvinvointiosaamisen yksikkö", "wellbeing expertise unit"),
    ("nuorisoala", "nuorisoalan tutkimus- ja kehittämisyksikkö", "youth work research and development unit"),
]

MINISTRIES = [
    ("stm", "Sosiaali- ja terveysministeriö", "STM", "Ministry of Social Affairs and Health"),
    ("okm", "Opetus- ja kulttuuriministeriö", "OKM", "Ministry of Education and Culture"),
    ("tem", "Työ- ja elinkeinoministeriö", "TEM", "Ministry of Economic Affairs and Employment"),
    ("vm", "Valtiovarainministeriö", "VM", "Ministry of Finance"),
    ("sm", "Sisäministeriö", "SM", "Ministry of the Interior"),
]

# ELY Centres by the region they sit in
ELY_REGIONS = ["uusimaa", "varsinais-suomi", "satakunta", "kanta-hame", "pirkanmaa", "kymenlaakso",
               "etela-savo", "pohjois-savo", "pohjois-karjala", "keski-suomi", "etela-pohjanmaa",
               "pohjanmaa", "pohjois-pohjanmaa", "kainuu", "lappi"]

GIVEN_NAMES = ["Aino", "Anna", "Anu", "Elina", "Emilia", "Hanna", "Heidi", "Johanna", "Katja", "Kaisa",
               "Laura", "Liisa", "Maria", "Marja", "Minna", "Noora", "Outi", "Päivi", "Riikka", "Sanna",
               "Satu", "Tiina", "Tuula", "Ulla", "Eveliina", "Jaana", "Kirsi", "Merja", "Pirjo", "Sari",
               "Antti", "Eero", "Heikki", "Janne", "Juha", "Jukka", "Kari", "Lauri", "Markku", "Matti",
               "Mikko", "Olli", "Pekka", "Petri", "Sami", "Timo", "Tuomas", "Ville", "Jussi", "Ari"]
FAMILY_NAMES = ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
                "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi",
                "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen",
                "Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lahtinen", "Ahonen", "Kärkkäinen",
                "Pesonen", "Ruokolainen", "Malinen", "Rautiainen", "Pihl", "Poikolainen", "Pöyry", "Hiltunen",
                "Seppälä", "Hirvonen", "Lindholm", "Kettunen", "Väisänen", "Manninen", "Aaltonen"]

# (Finnish job title, English job title)
JOB_TITLES = [
    ("kehittämispäällikkö", "development manager"), ("palvelupäällikkö", "head of service"),
    ("sosiaalityön johtaja", "director of social work"), ("erikoissuunnittelija", "senior planner"),
    ("projektipäällikkö", "project manager"), ("suunnittelija", "planning officer"),
    ("yliopettaja", "principal lecturer"), ("TKI-asiantuntija", "RDI specialist"),
    ("johtava sosiaalityöntekijä", "senior social worker"), ("palvelualuejohtaja", "director of services"),
]

# project topics: (Finnish phrase, English phrase, themes)
TOPICS = [
    ("Lapsiperheiden palvelujen kehittäminen", "Developing services for families with children",
     ["theme-child-and-family-wellbeing", "theme-family-centre", "theme-service-integration"]),
    ("Vanhemmuuden tuki lastensuojelussa", "Parenting support in child protection",
     ["theme-parenting-support", "theme-child-protection"]),
    ("Monialainen yhteistyö nuorten palveluissa", "Multi-agency cooperation in youth services",
     ["theme-multi-agency-cooperation", "theme-multiprofessional-work"]),
    ("Sijoitusten ehkäisy ja avohuollon vahvistaminen", "Preventing placements and strengthening community care",
     ["theme-placements-reduction", "theme-child-protection"]),
    ("Kokemusasiantuntijat palvelujen kehittäjinä", "Experts by experience developing services",
     ["theme-experts-by-experience", "theme-participation", "theme-co-development"]),
    ("Systeeminen työote perhesosiaalityössä", "Systemic practice in family social work",
     ["theme-systemic-practice", "theme-family-social-work"]),
    ("Mielenterveys- ja päihdepalvelujen yhteensovittaminen", "Integrating mental health and substance abuse services",
     ["theme-mental-health-substance-abuse", "theme-service-integration"]),
    ("Läheisverkostotyön mallintaminen", "Modelling social network work",
     ["theme-social-network-work", "theme-co-development"]),
    ("Vertaistuen vakiinnuttaminen", "Establishing peer support",
     ["theme-peer-support", "theme-implementation"]),
    ("Sähköiset palvelut perheille", "Digital services for families",
     ["theme-digital-services", "theme-child-and-family-wellbeing"]),
    ("Työparimallin juurruttaminen", "Embedding the work-pair model",
     ["theme-work-pair-support", "theme-implementation"]),
    ("Henkilöstön osaamisen vahvistaminen", "Strengthening staff competence",
     ["theme-competence-development", "theme-multiprofessional-work"]),
    ("Vaikuttavuuden arviointi lastensuojelussa", "Impact evaluation in child protection",
     ["theme-impact-evaluation", "theme-child-protection"]),
    ("Nuorten osallisuus siirtymävaiheissa", "Young people's participation at transitions",
     ["theme-participation", "theme-transitions"]),
    ("Yhteistutkijuus sosiaalityössä", "Co-research in social work",
     ["theme-co-research", "theme-participation"]),
    ("Living Lab -kokeilut hyvinvointipalveluissa", "Living lab trials in wellbeing services",
     ["theme-living-lab", "theme-co-development"]),
]

# work-package phrases: (Finnish, English)
WORK_PACKAGES = [
    ("Nykytilan kartoitus", "Mapping the current situation"),
    ("Toimintamallin kehittäminen", "Developing the working model"),
    ("Pilotointi ja arviointi", "Piloting and evaluation"),
    ("Juurruttaminen ja levittäminen", "Embedding and dissemination"),
    ("Viestintä ja verkostotyö", "Communication and networking"),
]

GOALS = [
    ("Asiakkaat saavat tukea oikeaan aikaan ja yhteen sovitettuna.", "Clients get timely, coordinated support."),
    ("Ammattilaisten osaaminen ja yhteiset toimintamallit vahvistuvat.", "Professionals gain skills and shared working models."),
    ("Lasten, nuorten ja perheiden osallisuus palveluissa vahvistuu.", "Children, young people and families have a stronger say in services."),
    ("Raskaiden ja kiireellisten toimien tarve vähenee.", "Fewer heavy and urgent interventions are needed."),
    ("Uudet toimintatavat jäävät pysyviksi osiksi palveluja.", "The new ways of working become a lasting part of services."),
]

ACRONYM_LETTERS = "ABDEHIJKLMNOPRSTUVY"
