//! Word and phrase lists the text generator draws from.
//!
//! Sentences are built from templates whose `{slot}`s are filled from these lists; the per-section lists
//! ([`crate::vocab::SECTION_VOCAB`]) make a sports story talk about sports and a finance story about markets.

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

/// Headline templates; `{org}`, `{topic}`, `{action}`, `{person}`, `{place}`, `{num}` are slots.
pub const HEADLINES: &[&str] = &[
    "{org} to {action} {topic} amid growing concerns",
    "{org} moves to {action} {topic} after weeks of debate",
    "Why {topic} matters more than ever for {place}",
    "{person} says {org} will {action} {topic} this year",
    "{small} things to know about {topic}",
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
    "\"{quote},\" {person} {said}, adding that details would follow within weeks.",
    "\"{quote},\" {person} {said}.",
    "\"{quote}. {quote2},\" {person} {said} during a briefing in {place}.",
    "{person} struck a more cautious tone. \"{quote},\" the {role} {said}.",
    "The number of applicants reached {big} by {day}, up from {small2} thousand a year earlier.",
    "{org} has set aside {big} million won for {topic}, according to documents obtained by The Seoul Courier.",
    "Experts point out that {topic} in {place} followed a different path.",
    "The two sides are expected to meet again in {month} to narrow their differences over {topic}.",
    "{opener} the share of respondents who called {topic} a priority fell to {num} percent.",
    "A similar proposal on {topic} was shelved in {year} after objections from {org2}.",
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

/// Quoted remarks (no closing punctuation: the template adds it).
pub const QUOTES: &[&str] = &[
    "We cannot afford to wait any longer",
    "This is not a decision we took lightly",
    "The public deserves a clear explanation",
    "We will review every option on the table",
    "It is too early to say whether the plan will work",
    "Nobody expected the response to be this strong",
    "The numbers speak for themselves",
    "We have heard the concerns and we will act on them",
    "This could take years, not months",
    "Our priority is the safety of residents",
    "The timing could not have been worse",
    "We are open to dialogue, but there are limits",
    "The market had already priced in most of this",
    "It is a step in the right direction",
    "People are tired of promises",
    "We need a system that works for the next generation",
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
