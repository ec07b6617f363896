//! Word and phrase lists the text generator draws from.
//!
//! Sentences are built from templates whose `{slot}`s are filled from these lists; the per-section lists
//! ([`SECTION_VOCAB`]) make a sports story talk about sports and a finance story about markets.

/// Korean family names used in bylines and quotes.
pub const SURNAMES: &[&str] = &[
    "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh", "Seo",
    "Shin", "Kwon", "Hwang", "Ahn", "Song", "Yoo", "Hong", "Nam", "Baek", "Moon", "Jeon", "Ko",
];

/// Korean given names (romanized, hyphenated as the seed site writes them).
pub const GIVEN_NAMES: &[&str] = &[
    "Jae-won",
    "Hae-rin",
    "Min-ji",
    "Seung-hoon",
    "Ji-hye",
    "Dong-hyun",
    "Su-bin",
    "Hyun-woo",
    "Yeon-seo",
    "Jun-ho",
    "Da-eun",
    "Sang-min",
    "Eun-ji",
    "Tae-hoon",
    "So-yeon",
    "Woo-jin",
    "Na-young",
    "Kyung-soo",
    "Ha-neul",
    "Joon-young",
    "Ye-jin",
    "Sung-min",
    "Bo-ra",
    "In-ho",
    "Hee-jin",
    "Chang-wook",
    "Mi-rae",
];

/// Titles put before a quoted person's name.
pub const ROLES: &[&str] = &[
    "Rep.",
    "Minister",
    "Vice Minister",
    "Professor",
    "spokesperson",
    "chief executive",
    "senior analyst",
    "director-general",
    "Mayor",
    "researcher",
    "chairman",
    "economist",
    "lawyer",
    "Gov.",
    "coach",
];

/// Days of the week, as news copy names them.
pub const DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Places mentioned in copy.
pub const PLACES: &[&str] = &[
    "Seoul",
    "Busan",
    "Incheon",
    "Daegu",
    "Gwangju",
    "Daejeon",
    "Ulsan",
    "Sejong",
    "Jeju Island",
    "Suwon",
    "Gangwon Province",
    "North Gyeongsang Province",
    "Yongsan District",
    "Washington",
    "Tokyo",
    "Beijing",
];

/// Reporting verbs for attributions.
pub const SAID: &[&str] = &[
    "said",
    "told reporters",
    "noted",
    "explained",
    "added",
    "stressed",
    "wrote",
];

/// Connectives that open a follow-up sentence.
pub const OPENERS: &[&str] = &[
    "However,",
    "Meanwhile,",
    "In addition,",
    "Still,",
    "Earlier this month,",
    "On the other hand,",
    "According to officials,",
    "Last year,",
    "Since then,",
    "For now,",
    "Critics say",
    "Analysts expect that",
];

/// Vocabulary specific to one section.
pub struct Vocab {
    /// Institutions, companies, teams.
    pub orgs: &'static [&'static str],
    /// Noun phrases the stories are about.
    pub topics: &'static [&'static str],
    /// Verb phrases for headlines ("... to VERB TOPIC").
    pub actions: &'static [&'static str],
}

/// Vocabulary per section, in the order of [`crate::model::SECTIONS`].
pub const SECTION_VOCAB: &[Vocab] = &[
    Vocab {
        orgs: &[
            "the Ministry of the Interior",
            "the Seoul Metropolitan Government",
            "the police",
            "the Korea Disease Control and Prevention Agency",
            "the Ministry of Environment",
            "the Supreme Court",
            "the fire department",
            "the Ministry of Education",
        ],
        topics: &[
            "fine dust levels",
            "the low birth rate",
            "rent subsidies for young people",
            "the heat wave",
            "school meal programs",
            "the new subway line",
            "elderly care centers",
            "a spike in flu cases",
            "foreign workers' visas",
            "the zoo's animal welfare rules",
            "late-night bus routes",
            "the medical school quota",
        ],
        actions: &[
            "tighten", "review", "expand", "overhaul", "probe", "extend", "scrap", "fund",
        ],
    },
    Vocab {
        orgs: &[
            "the National Assembly",
            "the presidential office",
            "the ruling People Power Party",
            "the main opposition Democratic Party",
            "the National Election Commission",
            "Cheong Wa Dae",
            "the Justice Ministry",
            "the special counsel",
        ],
        topics: &[
            "the supplementary budget",
            "the special counsel bill",
            "the parliamentary hearing",
            "constitutional reform",
            "the general election",
            "the Cabinet reshuffle",
            "the pension reform bill",
            "the party leadership race",
            "the impeachment motion",
            "electoral district maps",
        ],
        actions: &[
            "push", "block", "pass", "reject", "revise", "delay", "question", "back",
        ],
    },
    Vocab {
        orgs: &[
            "Pyongyang",
            "the Korean Central News Agency",
            "the Ministry of Unification",
            "the Joint Chiefs of Staff",
            "the North's foreign ministry",
            "the National Intelligence Service",
            "U.S. Forces Korea",
            "the North's state media",
        ],
        topics: &[
            "ballistic missile launches",
            "the nuclear test site",
            "joint military drills",
            "inter-Korean talks",
            "defectors' resettlement",
            "the border buffer zone",
            "food shortages in the North",
            "satellite launch plans",
            "the liaison office",
            "sanctions enforcement",
        ],
        actions: &[
            "condemn",
            "warn against",
            "resume",
            "monitor",
            "test",
            "suspend",
            "denounce",
            "escalate",
        ],
    },
    Vocab {
        orgs: &[
            "Samsung Electronics",
            "SK hynix",
            "Hyundai Motor",
            "LG Energy Solution",
            "Naver",
            "Kakao",
            "POSCO Holdings",
            "Celltrion",
            "Coupang",
            "Korean Air",
        ],
        topics: &[
            "chip exports",
            "electric vehicle batteries",
            "the foldable phone lineup",
            "AI data centers",
            "the wage negotiations",
            "the merger deal",
            "biosimilar approvals",
            "the new plant in Texas",
            "quarterly operating profit",
            "the platform regulation bill",
        ],
        actions: &[
            "unveil",
            "ramp up",
            "invest in",
            "cut",
            "expand",
            "acquire",
            "delay",
            "launch",
        ],
    },
    Vocab {
        orgs: &[
            "the Bank of Korea",
            "the Financial Services Commission",
            "the KOSPI",
            "the Korea Exchange",
            "KB Financial Group",
            "Shinhan Bank",
            "the National Pension Service",
            "the Financial Supervisory Service",
        ],
        topics: &[
            "the benchmark interest rate",
            "household debt",
            "the won-dollar exchange rate",
            "short-selling rules",
            "cryptocurrency exchanges",
            "jeonse deposits",
            "consumer inflation",
            "bond yields",
            "foreign investor outflows",
            "loan-to-value limits",
        ],
        actions: &[
            "hold", "raise", "ease", "watch", "tighten", "lift", "cap", "freeze",
        ],
    },
    Vocab {
        orgs: &[
            "this newspaper",
            "the government",
            "lawmakers",
            "the business community",
            "civic groups",
            "the education authorities",
            "the ruling bloc",
            "the opposition",
        ],
        topics: &[
            "political polarization",
            "the pension system",
            "regional decline",
            "youth unemployment",
            "housing affordability",
            "press freedom",
            "the aging society",
            "energy policy",
            "the digital divide",
            "alliance diplomacy",
        ],
        actions: &[
            "rethink",
            "confront",
            "fix",
            "defend",
            "reconsider",
            "face",
            "learn from",
            "resist",
        ],
    },
    Vocab {
        orgs: &[
            "the Korea Tourism Organization",
            "the National Museum of Korea",
            "local restaurants",
            "the Seoul Foundation for Arts and Culture",
            "bookstores",
            "the cultural heritage administration",
            "hanok guesthouses",
            "the city's night markets",
        ],
        topics: &[
            "temple stays",
            "traditional liquor",
            "the cherry blossom season",
            "vegan bakeries",
            "the hiking boom",
            "hanbok rentals",
            "street food tours",
            "the reading club trend",
            "coffee culture",
            "winter festivals",
        ],
        actions: &[
            "rediscover",
            "celebrate",
            "revive",
            "explore",
            "reinvent",
            "savor",
            "embrace",
            "showcase",
        ],
    },
    Vocab {
        orgs: &[
            "HYBE",
            "SM Entertainment",
            "JYP Entertainment",
            "Netflix",
            "the Busan International Film Festival",
            "CJ ENM",
            "tvN",
            "the Blue Dragon Film Awards",
        ],
        topics: &[
            "the world tour",
            "the comeback album",
            "the new K-drama series",
            "the film festival lineup",
            "the fan-meeting tour",
            "the variety show",
            "the musical revival",
            "the box office record",
            "the streaming deal",
            "the debut showcase",
        ],
        actions: &[
            "announce",
            "kick off",
            "wrap up",
            "top",
            "return with",
            "cancel",
            "extend",
            "celebrate",
        ],
    },
    Vocab {
        orgs: &[
            "the Korea Baseball Organization",
            "the national football team",
            "the Korea Football Association",
            "the LPGA",
            "the Korean Sport & Olympic Committee",
            "the LG Twins",
            "Ulsan HD",
            "the volleyball federation",
        ],
        topics: &[
            "the World Cup qualifier",
            "the home run race",
            "the coaching vacancy",
            "the Asian Games",
            "the transfer window",
            "the championship series",
            "the doping case",
            "the national squad",
            "the season opener",
            "the Olympic bid",
        ],
        actions: &[
            "clinch", "lose", "name", "host", "win", "secure", "miss", "chase",
        ],
    },
    Vocab {
        orgs: &[
            "the United Nations",
            "the White House",
            "NATO",
            "the European Union",
            "Beijing",
            "Tokyo",
            "the G20",
            "the World Health Organization",
        ],
        topics: &[
            "the ceasefire talks",
            "the trade dispute",
            "the climate summit",
            "the refugee crisis",
            "the election result",
            "the earthquake relief effort",
            "the tariff hike",
            "the peace deal",
            "the currency slump",
            "shipping disruptions",
        ],
        actions: &[
            "broker", "impose", "condemn", "welcome", "extend", "reject", "mediate", "pledge",
        ],
    },
];

/// Headline templates; `{org}`, `{topic}`, `{action}`, `{person}`, `{place}`, `{num}` are slots.
pub const HEADLINES: &[&str] = &[
    "{org} to {action} {topic} amid growing concerns",
    "{org} moves to {action} {topic} after weeks of debate",
    "Why {topic} matters more than ever for {place}",
    "{person} says {org} will {action} {topic} this year",
    "{num} things to know about {topic}",
    "Experts urge {org} to {action} {topic} before winter",
    "{place} residents split over plan to {action} {topic}",
    "{org} vows to {action} {topic} despite mounting criticism from rivals",
    "Debate over {topic} heats up as {org} weighs its options",
    "What's next for {topic} after {org} decision?",
    "{org} faces pressure to {action} {topic}",
    "Inside the push to {action} {topic} in {place}",
    "{person} calls on {org} to {action} {topic}",
    "{org}, {place} agree to {action} {topic} next month",
];

/// Sentence templates for body paragraphs.
pub const SENTENCES: &[&str] = &[
    "{org} said on {day} it would {action} {topic}, citing a sharp change in conditions over the past year.",
    "The decision comes as {topic} has drawn attention across {place} and beyond.",
    "\"We cannot afford to wait any longer,\" {person} {said}, adding that details would follow within weeks.",
    "Officials estimate that about {num} percent of the budget for {topic} went unused last year.",
    "{opener} {org} has been reluctant to {action} {topic} because of the costs involved.",
    "A survey of {big} people released {day} found that {num} percent supported the move.",
    "{person}, who has followed {topic} for more than a decade, said the plan lacked detail.",
    "The figures mark the highest level since records began in {year}.",
    "{opener} the measure is expected to take effect in {month}, pending a final review.",
    "Local media reported that {org} had held closed-door meetings on {topic} since {month}.",
    "\"This is a turning point for {topic},\" {person} {said}.",
    "Critics argue that the approach to {topic} does little to address the root causes.",
    "{opener} similar efforts in {place} produced mixed results.",
    "The plan would cost an estimated {big} billion won over the next {small} years.",
    "{org} did not respond to a request for comment on {day}.",
    "Residents in {place} said they had been waiting for {org} to act for years.",
    "The announcement sent ripples through {place}, where {topic} has long been a sensitive issue.",
    "{opener} {person} urged patience, saying that the effects of {topic} would take time to show.",
    "Data from {org} show that the number of complaints rose {num} percent from a year earlier.",
    "The move follows months of negotiations between {org} and {org2}.",
    "{person} {said} that the timing was not a coincidence.",
    "Some observers see the shift on {topic} as a test of {org2}'s influence.",
    "{opener} the debate is unlikely to end soon.",
    "A spokesperson for {org2} said the group would study the proposal before taking a position.",
    "Turnout at the public hearing in {place} was higher than expected, with more than {big} attendees.",
    "{org} plans to publish a detailed report on {topic} by the end of {month}.",
    "\"People want results, not promises,\" one resident of {place} told The Seoul Courier.",
    "The issue first surfaced in {year}, when {org2} raised questions about {topic}.",
];

/// Short items used when an article carries a bulleted list.
pub const LIST_ITEMS: &[&str] = &[
    "Applications open on the first Monday of {month}.",
    "Eligibility is limited to residents of {place}.",
    "{org} will publish the results within {small} weeks.",
    "The program costs {big} million won in its first year.",
    "Support rises by {num} percent for households with children.",
    "A hotline will run from 9 a.m. to 6 p.m. on weekdays.",
    "Details on {topic} are posted on the official website.",
    "Late submissions will be reviewed case by case.",
];

/// Kickers shown before some headlines in listings.
pub const KICKERS: &[&str] = &["INTERVIEW", "ANALYSIS", "NEWS FOCUS", "EXCLUSIVE"];

/// Month names for copy.
pub const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Sub-headline templates, with the same slots as [`HEADLINES`].
pub const SUBTITLES: &[&str] = &[
    "Move seen as bid to {action} {topic} before year-end",
    "Critics question timing as {org} weighs costs",
    "Residents of {place} call for clearer rules",
    "Experts warn {topic} may take years to resolve",
    "{org} under pressure to explain its position",
    "Plan includes {num} measures to {action} {topic}",
];
