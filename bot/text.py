"""Text normalisation for matching: fold diacritics, tokenise, stem Swedish and English words."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

from bot.content import Lang

_NON_WORD_RE = re.compile(r"[^a-z0-9]+")


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`, for readable word lists."""
    return frozenset(text.split())


_STEMMERS = {
    "sv": snowballstemmer.stemmer("swedish"),
    "en": snowballstemmer.stemmer("english"),
}

# Discourse fillers: words that soften, stress or pad a sentence ("vad gör ni egentligen", "what do
# you actually do") and never say what it is about. However unfamiliar, they are no unknown subject.
DISCOURSE_FILLERS: dict[Lang, frozenset[str]] = {
    "sv": wordset(
        """
        egentligen typ alltsa asa assa asso liksom ju val nu da ba iaf iallafall ialla forresten
        sadar sahar ungefar kanske nog visst javisst faktiskt verkligen helt enkelt bara ens
        hursomhelst
        """
    ),
    "en": wordset(
        """
        actually exactly really basically anyway anyways like just literally honestly seriously
        simply totally kinda sorta um uh so though
        """
    ),
}

# Prepositions residents put before the subject ("vad gör ni inom områdesarbetet", "within the
# work"); only those the FAQ's own vocabulary does not use (mellan, bland, kring, utan, bakom do).
PREPOSITIONS: dict[Lang, frozenset[str]] = {
    "sv": wordset("inom utom genom hos mot vid runt enligt angaende gallande ang betraffande"),
    "en": wordset("within regarding concerning towards toward"),
}

# Residents type without å/ä/ö, so everything is compared in folded form; these lists are folded.
STOPWORDS: dict[Lang, frozenset[str]] = {
    "sv": wordset(
        """
        och i pa med att en ett det den de dem som for till av om har ni vi jag du man kan ska
        skall blir bli blev kommer komma ar var varit vara sig sin sina sitt er era ert min mitt
        mina din ditt dina hans hennes deras oss mig dig han hon dom nu da sa men eller inte
        ocksa aven bara lite mycket nagot nagon nagra nat nan nanting hur vad vilken vilket vilka
        vem vems nar varfor varifran vart dar har hit dit fran under efter ju val
        just egentligen liksom typ alltsa hej tja asa ok okej eh hmm dar detta denna dessa annan
        andra annat allt man mest sjalv sjalva gjorde gjort far fick
        fatt finns fanns finnas undrar undra fraga fragor tror tycker vet veta nog ganska rent
        konkret
        ligger ligga vill ha idag nu fa manga bra battre daligt kanske faktiskt verkligen asso ba
        harifran harifran dit hit dar redan fortfarande alltid aldrig ofta gang ganger tack snalla
        hallo hejsan tjena ar aret aren e sant sana nat nan assa alltsa
        darifran harifran dadan sadan sant sana sadana nagonstans annanstans
        funkat funkar funka fungerat fungerar fungera kanns kandes kant tyckte tycks verkar
        lasa laste last lasit horde hort hora sag sett se tidningen artikeln sidan
        grejen grej grejer saken sak sakerna grejor
        ju ba asa eller hur liksom nog val javisst jaha aha oj
        ocksa forresten dessutom iallafall nasta bo bor bott bodde
        son sonen dotter dottern nagonting nanting nanstans
        isafall ifall iaf iallafall sker ske skett tog
        """
    ),
    "en": wordset(
        """
        a an the is are was were be been being do does did doing have has had having i you he she
        it we they me him her us them my your his its our their this that these those what which
        who whom whose when where why how to of in on at by for with about from into after
        up down out off again then there here all any both each some such no nor not only
        else somewhere anywhere something anything someone anybody somebody stuff
        read heard saw seen newspaper article guess think thought next live lived lives living
        isn aren don doesn didn wasn weren won haven hasn cant dont doesnt didnt isnt arent wont
        own same so than too very can will would should could shall may might must just also
        and or but if as until while please hi hey ok okay yeah wonder tell know get got going
        really actually exactly anyway like kind sort thing things one ones today now want
        many much good bad better maybe always never already still often here thanks hello
        lot lots son daughter make made makes making
        """
    ),
}
STOPWORDS = {
    lang: words | DISCOURSE_FILLERS[lang] | PREPOSITIONS[lang] for lang, words in STOPWORDS.items()
}

# Question words signal what kind of answer is wanted (a time, a person, a reason, a place) even
# though they carry no topic on their own.
QUESTION_WORDS: dict[str, str] = {
    "nar": "when",
    "when": "when",
    "vem": "who",
    "vilka": "which",
    "who": "who",
    "varfor": "why",
    "why": "why",
    "hur": "how",
    "how": "how",
    "var": "where",
    "vart": "where",
    "where": "where",
    "vad": "what",
    "va": "what",
    "what": "what",
    "vilken": "which",
    "vilket": "which",
    "which": "which",
}
QUESTION_KINDS = frozenset(QUESTION_WORDS.values())


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Casefold, strip diacritics (å->a, ä->a, ö->o, é->e) and turn punctuation into spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD_RE.sub(" ", stripped.replace("ß", "ss")).strip()


def tokens(text: str) -> list[str]:
    """Split `text` into folded word tokens."""
    return fold(text).split()


@lru_cache(maxsize=16384)
def stem(token: str, lang: Lang) -> str:
    """Return the Snowball stem of a folded token in `lang`."""
    stemmed: str = _STEMMERS[lang].stemWord(token)
    # Snowball keeps the Swedish definite neuter "-et" (arbetet, beslutet, bolaget); residents use
    # it all the time, so it is removed to meet the indefinite form's stem.
    if lang == "sv" and len(stemmed) > 5 and stemmed.endswith("et"):
        stemmed = stemmed[:-2]
    return stemmed


# Everyday words that say how or when something is done, or who in passing ("i praktiken", "om
# dagarna", "driver", "guys"), never what a question is about. Unknown to the FAQ, they would count
# as an unknown subject and turn a clear question into "did you mean"; they are read as stop words
# unless the FAQ itself uses them. Nouns that name a subject (apotek, buss, pass) are never here.
EVERYDAY = wordset(
    """
    praktiken praktik praktiskt konkret konkreta dagarna dagen dagligen vardagen vardags
    driver driva drivs drev drivit skoter skota skots skotte inblandad inblandade inblandat
    involverad involverade involverat skillnad skillnaden skillnader exakt precis ungefar direkt
    stammer stamma overhuvudtaget heller sjalva killar killarna grabbar gubbar ngnstans riktigt
    guys folks dude practice practically basically exactly daily days difference differ
    actual really honestly generally overall
    visst viss vissa sarskilt sarskild sarskilda stor stora storre smaningom
    rakna raknar forvanta forvantar forvantas expect expected expecting someday eventually
    true able right ever ser sag sett see sees saw seen
    cover covers covered covering tacka tacker tackte tackt omfatta omfattar omfattade
    """
)

# Everyday verbs and verb phrases residents use about an organisation and its work, mapped onto the
# concept the FAQ's own vocabulary names: "vilka ingår i BID" asks who takes part, "vad ska det
# förbättra" asks what the work aims at, "på plats" means started. General Swedish and English,
# written from the language, not from any test question; a phrase is matched before its words.
EVERYDAY_PHRASES: dict[str, str] = {
    # membership: who is part of something
    "ingar i": "deltar i",
    "ingick i": "deltar i",
    "ingatt i": "deltar i",
    "bestar av": "deltar i",
    "medverkar i": "deltar i",
    "consist of": "members",
    "consists of": "members",
    "made up of": "members",
    "belong to": "members",
    "belongs to": "members",
    # deciding
    "made the call": "decided",
    "make the call": "decide",
    "makes the call": "decides",
    "called the shots": "decided",
    "final say": "decision",
    "gave the green light": "approved",
    "gave the go ahead": "approved",
    "signed off on": "approved",
    "sista ordet": "beslutet",
    "gav klartecken": "beslutade",
    "gav gront ljus": "beslutade",
    # an abbreviation's full name is what it stands for
    "fullstandiga namnet": "forkortningen",
    "fullstandigt namn": "forkortning",
    "hela namnet": "forkortningen",
    "full name": "abbreviation",
    "full form": "abbreviation",
    "long form": "abbreviation",
    # who is behind something
    "ligger bakom": "star bakom",
    "ligga bakom": "star bakom",
    "stod bakom": "star bakom",
    "run by": "runs",
    # aims: what the work is to bring about
    "bidra till": "uppna",
    "bidrar till": "uppna",
    "leda till": "uppna",
    "leder till": "uppna",
    "forbattra": "uppna",
    "forbattras": "uppna",
    "forbattrar": "uppna",
    "forbattring": "uppna",
    "forbattringar": "uppna",
    "astadkomma": "uppna",
    "astadkommer": "uppna",
    "uppnar": "uppna",
    "improve": "achieve",
    "improves": "achieve",
    "improving": "achieve",
    "accomplish": "achieve",
    "bring about": "achieve",
    "lead to": "achieve",
    # choosing a place to work in
    # "varför satsar ni på Balltorp" asks why the place was chosen
    "satsa": "valde",
    "satsar": "valde",
    "satsade": "valde",
    "satsat": "valde",
    "invest in": "choose",
    "investing in": "choose",
    # doing the work, being in place, starting
    "halla pa": "jobba",
    "haller pa": "jobbar",
    "haller ni pa": "jobbar ni",
    "holl pa": "jobbade",
    "hallit pa": "jobbat",
    "hallt pa": "jobbat",
    "set up": "start",
    "get underway": "start",
    "up and running": "start",
    # ending: a place's work wound down
    "lagga ner": "laggs ner",
    "lagger ner": "laggs ner",
    "lades ner": "laggs ner",
    "avveckla": "avvecklas",
    "avvecklar": "avvecklas",
    "avvecklade": "avvecklas",
    "wind down": "stop",
    "winding down": "stop",
    "wound down": "stop",
    "close down": "stop",
    "closing down": "stop",
    "shut down": "stop",
    "phase out": "phased out",
    "phasing out": "phased out",
    # taking part
    "get involved": "varamed",
    "getting involved": "varamed",
    "engagera mig": "varamed",
    "engagera sig": "varamed",
}

# Verb phrases whose words are empty alone ("vara med" = take part); joined into one token.
_PHRASES: dict[str, str] = {
    "vara med": "varamed",
    "hanga pa": "varamed",
    "hanga med": "varamed",
    "haka pa": "varamed",
    "joina": "varamed",
    "join in": "varamed",
    "tag along": "varamed",
    "va med": "varamed",
    # "kan vem som helst vara med": anyone is everyone, whom the article welcomes
    "vem som helst": "alla",
    "vilka som helst": "alla",
    "nar som helst": "alltid",
    "hur som helst": "alltsa",
    "ta del": "varamed",
    "take part": "varamed",
    "hjalpa till": "hjalpatill",
    "help out": "hjalpatill",
    "hur lange": "hurlange",
    "how long": "hurlange",
    "sen nar": "sedannar",
    "sedan nar": "sedannar",
    "since when": "sedannar",
    # "finns ni i Åby", "are you in Bifrost": asking where the work is, beside a place name
    "finns ni": "finnsni",
    "ar ni i": "finnsni i",
    "are you in": "finnsni in",
    "are you active in": "finnsni in",
    # "vilket år" = when; "år" folds to "ar" (is), a stop word, so the year would vanish
    "vilket ar": "nar",
    # "i år" / "this year" ask for the year of the move; "år" alone would fold into a stop word
    "i ar": "iar",
    "this year": "iar",
    "i host": "hosten",
    "this autumn": "autumn",
    "this fall": "autumn",
    "what year": "when",
    # "do you work with the school", "others who want to work with you": cooperation
    "work with": "cooperate with",
    "works with": "cooperates with",
    "working with": "cooperating with",
    "work together": "cooperate",
    "working together": "cooperating",
    "kick off": "start",
    "kicks off": "start",
    "get going": "start",
    "gets going": "start",
    "get started": "start",
    # The work's full name says no more than "the work": every question is about it.
    "area based community work": "area work",
    "area based work": "area work",
    "pa grund av": "varfor",
    # the long run is the article's "på sikt"
    "pa lang sikt": "pa sikt",
    "pa langre sikt": "pa sikt",
    "i langden": "pa sikt",
    "in the long run": "pa sikt",
    "in the long term": "pa sikt",
    "in the longer term": "pa sikt",
    "long term": "pa sikt",
    "longer term": "pa sikt",
    "because of": "why",
    "due to": "why",
}
_PHRASES = {**EVERYDAY_PHRASES, **_PHRASES}
# "drar igång", "drar ni igång", "sätter det igång" ... all mean "starts".
_PHRASES.update(
    {
        f"{verb} {pronoun}igang": "igang"
        for verb in ("drar", "dra", "kor", "satter", "satta", "komma", "kommer", "gar")
        for pronoun in ("", "ni ", "det ", "vi ", "man ", "den ", "arbetet ")
    }
)
_PHRASE_RE = re.compile(r"\b(" + "|".join(re.escape(p) for p in _PHRASES) + r")\b")

# Text-message shorthand and contractions residents type; expanded before anything else.
_SHORTHAND: dict[str, str] = {
    "vrf": "varfor",
    "varf": "varfor",
    "vaffor": "varfor",
    "varfo": "varfor",
    "varfr": "varfor",
    "vafor": "varfor",
    "vaffo": "varfor",
    "vaff": "varfor",
    "fr": "fran",
    "ngt": "nagot",
    "ngn": "nagon",
    "ngra": "nagra",
    "mkt": "mycket",
    "o": "och",
    "elr": "eller",
    "ell": "eller",
    "pga": "varfor",  # "på grund av": asking whether something is the reason
    "mej": "mig",
    "dej": "dig",
    "whats": "what",
    "whos": "who",
    "wheres": "where",
    "whens": "when",
    "hows": "how",
    "y": "why",
    "u": "you",
    "r": "are",
    "ur": "your",
}

# Everyday words residents use for what the FAQ names otherwise (sv and en); each maps onto a word
# the FAQ's own vocabulary knows, so a paraphrase needs no example question of its own.
SYNONYMS: dict[str, str] = {
    # young people
    "kids": "young",
    "kid": "young",
    "teens": "young",
    "teenagers": "young",
    "youngsters": "young",
    "ungar": "unga",
    "ungarna": "unga",
    "tonaringar": "unga",
    "tonaringarna": "unga",
    "ungdomsjobben": "ungdomarna jobb",
    # the work itself
    "projektet": "omradesarbetet",
    "projekt": "omradesarbete",
    "satsningen": "omradesarbetet",
    "project": "work",
    "programme": "work",
    "program": "work",
    "initiative": "work",
    "scheme": "work",
    # the neighbourhood
    "grannskap": "omrade",
    "grannskapet": "omradet",
    "kvarter": "omrade",
    "kvarteret": "omradet",
    "kvarteren": "omradena",
    "hood": "neighbourhood",
    # safety
    "farligt": "otryggt",
    "farlig": "otryggt",
    "osakert": "otryggt",
    "otrygg": "otryggt",
    "dangerous": "unsafe",
    "scary": "unsafe",
    "sketchy": "unsafe",
    "insecure": "unsafe",
    # starting
    "launch": "start",
    "launches": "start",
    "commence": "start",
    "commences": "start",
    # moving
    "relocate": "move",
    "relocated": "moved",
    "relocating": "moving",
    "relocation": "move",
    # landlords and businesses
    "hyresbolag": "hyresvard",
    "hyresbolaget": "hyresvarden",
    "bostadsforetag": "bostadsbolag",
    # "Mölndals stad" is the municipality; "the city" is what English speakers call it
    "city": "municipality",
    "cities": "municipalities",
    "staden": "kommunen",
    "stadens": "kommunens",
    # the article's word for problems found in one place is "samlade" (gathered)
    "koncentrerade": "samlade",
    "koncentrerad": "samlad",
    "koncentrerat": "samlat",
    "concentrated": "gathered",
    "clustered": "gathered",
    # the long run: the article's "på sikt", the ambition for the whole municipality
    "langsiktigt": "pa sikt",
    "langsiktiga": "pa sikt",
    "langsiktig": "pa sikt",
    # taking part: the article's "vara med"; "deltaga" is the older form of "delta"
    "deltaga": "delta",
    "everybody": "everyone",
    # "vad står bokstäverna för": the letters are the abbreviation
    "bokstaverna": "forkortningen",
    "bokstaver": "forkortning",
}
_SHORTHAND.update(SYNONYMS)
_SHORTHAND_RE = re.compile(r"\b(" + "|".join(_SHORTHAND) + r")\b")
# An apostrophe becomes a space when folding: "who's" -> "who s"; the loose end is dropped.
_CONTRACTION_RE = re.compile(r"\b(\w+) (s|re|ve|ll|d|t|m)\b")

# Shops and companies are the BID's business community only where a question is about cooperation
# or the BID ("är butikerna med i BID"); elsewhere they are a thing of their own that the article
# says nothing about ("finns det butiker i Balltorp").
_TRADE: dict[str, str] = {
    "foretag": "naringslivet",
    "foretagen": "naringslivet",
    "handlare": "naringslivet",
    "handlarna": "naringslivet",
    "butik": "naringslivet",
    "butiken": "naringslivet",
    "butiker": "naringslivet",
    "butikerna": "naringslivet",
    "businesses": "business",
    "shops": "business",
    "stores": "business",
}
_TRADE_RE = re.compile(r"\b(" + "|".join(_TRADE) + r")\b")
_COOPERATION_RE = re.compile(
    r"\b(?:bid\w*|samarbet\w*|cooperat\w*|collaborat\w*|partner\w*|deltar|delta|deltog|ingar"
    r"|ingick|medlem\w*|members?|med i|part of|involv\w*|inblandad\w*|engagera\w*|join\w*"
    r"|vara med|ta del|take part)\b"
)

_PARTNER = (
    r"(?:skolan|skolorna|skolor|skola|polisen|polis|foreningarna|foreningar|foreningslivet"
    r"|school|schools|police|associations|clubs)"
)
_INVOLVED = (
    r"(?:involverad\w*|involverar|inblandad\w*|delaktig\w*|engagerad\w*|involved|involve"
    r"|engaged|a partner)"
)

# Words for the places the work is done in (after SYNONYMS: "grannskap" is already "omrade").
_AREAS = (
    r"(?:omrade|omradet|omraden|omradena|bostadsomrade\w*|stadsdel\w*|stallen|platser|delar"
    r"|neighbou?rhoods?|areas?|districts?|places|parts)"
)

# "hur många år har ni funnits", "how many years": a duration, asked like "hur länge", not a count.
# Folded, "år" (years) and "är" (is) are both "ar": "hur manga ar ni" counts people, so a folded
# "ar" is years only before a verb or adverb that cannot follow "är".
_DURATION_RE = re.compile(r"\bhur många år\b", re.IGNORECASE)
_UNITS = r"(?:manader|manaderna|veckor|veckorna|dagar|timmar)"
_AFTER_YEARS = r"(?:har|hade|ha|tar|tog|sen|sedan|kvar|innan|tills|drojer|ska|kommer|till)"

# Phrases whose words only mean something together, with a word or two between them.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\bhur manga (?:{_UNITS}|ar(?= {_AFTER_YEARS}\b))"), "hur lange"),
    (re.compile(r"\bhow many (?:years|months|weeks|days|hours)\b"), "how long"),
    # "vad går det ut på", "vad handlar det om" = what is it about
    (re.compile(r"\bgar (?:\w+ ){0,2}ut pa\b"), "innebar"),
    (re.compile(r"\bhandlar (?:\w+ ){0,2}om\b"), "innebar"),
    # "what do you (actually) do", "vad gör ni", "vad sysslar man med": the activity itself
    (re.compile(r"\bwhat (?:do|does|will) (?:\w+ ){1,3}?do\b"), "what vadgor"),
    (re.compile(r"\bvad (?:gor|sysslar|pysslar) (?:ni|man|dom|de|du|vi)\b"), "vad vadgor"),
    # "vad sysslar områdesarbetet med", "vad pysslar de med" = what does it work on
    (re.compile(r"\b(?:sysslar|syssla|sysslade|pysslar) ((?:\w+ ){0,2})med\b"), r"jobbar \1med"),
    # "vad är målet på sikt", "the goal in the long run": a goal in the long run is the ambition
    # for the whole municipality, not the aim of the work in Balltorp
    (
        re.compile(
            r"\b(?:mal|malet|malen|malsattning\w*|ambition\w*|vision\w*|goal|goals|aim|aims)\b"
            r"((?: \w+){0,3}?) (?:pa (?:lang |langre )?sikt|i langden|in the long (?:run|term)"
            r"|in the longer term|eventually)\b"
        ),
        r"\1 pa sikt",
    ),
    (
        re.compile(
            r"\b(?:pa sikt|long term|longer term)((?: \w+)?) (?:mal|malet|malen|goal|goals"
            r"|aim|aims)\b"
        ),
        r"pa sikt\1",
    ),
    # "vad håller områdesarbetet på med" = what does it work on
    (re.compile(r"\b(?:haller|holl|hallit|halla) ((?:\w+ ){0,2})pa med\b"), r"jobbar \1med"),
    # "vår" (spring) folds to "var" (was, where): only "nästa vår" and a final "i vår" are spring.
    (re.compile(r"\bnasta var\b"), "varen"),
    (re.compile(r"\b(?:i|till) var(?=(?: (?:da|nu|eller|alltsa|sen|dar))*$)"), "varen"),
    # "behövs inte X längre", "no longer": something is ending, as when the work leaves a place
    (re.compile(r"\binte ((?:\w+ ){0,4})langre\b"), r"\1slutar"),
    (re.compile(r"\b(?:no longer|not (?:\w+ ){0,4}any ?more)\b"), "stop"),
    # "alla delar av kommunen" is where the article finds ill health and unrest; where the work
    # itself is what a question wants in all parts ("kommer det finnas områdesarbete i alla delar
    # av kommunen"), it asks whether the work comes everywhere: the ambition, not the problems.
    (
        re.compile(
            r"\b(omradesarbete\w*|omradesbaserat|arbetet|area ?(?:based )?work)\b((?: \w+){0,3}?)"
            r" (?:i|in) (?:alla delar|alla hornen|all parts|every part|each part) (?:av|of)\b"
        ),
        r"\1\2 overallt i",
    ),
    # "hur länge dröjer det innan", "how long until": how long is left, so when it happens; "hur
    # länge" alone asks how long something has gone on (since when)
    (
        re.compile(
            r"\bhur (?:lange|lang tid) (?:(?:\w+ ){0,4}?(?:drojer|droja|drojde)(?: \w+){0,2}?"
            r" (?:innan|tills|forran)|(?:\w+ ){0,4}?(?:drojer|droja|drojde|innan|tills|forran))\b"
        ),
        "nar",
    ),
    (re.compile(r"\b(?:drojer|droja) (?:det|den|ni|arbetet) (?:\w+ )?(?:innan|tills)\b"), "nar"),
    (
        re.compile(
            r"\bhow (?:long|soon)\b(?: \w+){0,5}? (?:until|till|before)\b"
            r"|\bhow long (?:will|does|would|is) it (?:going to )?take\b|\bhow soon\b"
        ),
        "when",
    ),
    # "will it cover every district", "ska det omfatta hela kommunen": the work reaching all
    # places is the ambition; "vilka områden omfattar arbetet" (which places) is the four areas
    (
        re.compile(
            r"\b(?:cover|covers|covering|tacka|tacker|omfatta|omfattar|reach|reaches|na|nar)"
            r" (?:the )?(?:whole|entire|every|all|hela|alla)\b(?! (?:fyra|four|4)\b)"
        ),
        "overallt",
    ),
    # "vilka stadsdelar ingår i områdesarbetet", "which districts are part of it": the places the
    # work covers, not who takes part in it
    (
        re.compile(
            rf"\b({_AREAS}) (?:som )?(?:ingar i|ingick i|ar med i|omfattas av|are part of"
            r"|are included in|are covered by|belong to|are in)\b"
        ),
        r"\1 har",
    ),
    # "får andra stadsdelar också områdesarbete", "will other neighbourhoods get it": the work
    # growing to more places, the ambition for the whole municipality
    (
        re.compile(rf"\b(?:andra|fler|other|more) ({_AREAS}) (?:\w+ )?(?:fa|far|get|getting)\b"),
        r"utoka till fler \1",
    ),
    (re.compile(rf"\b(?:far|kommer) (?:\w+ )?(?:andra|fler) ({_AREAS})\b"), r"utoka till fler \1"),
    # "varför just X" asks why X was chosen
    (re.compile(r"\bvarfor just\b"), "varfor valde"),
    # "är skolan med" = does the school take part in the work
    (
        re.compile(r"\b(skolan|skolorna|polisen|foreningarna|foreningslivet) (?:ocksa )?med\b"),
        r"\1 samarbetar",
    ),
    # "är skolan involverad", "is the police involved": a partner taking part in the work. The
    # predicate tells a partner question from one about the school itself ("vilka skolor finns").
    (re.compile(rf"\b({_PARTNER}\b.*?\b){_INVOLVED}\b"), r"\1samarbetar"),
    (re.compile(rf"\b{_INVOLVED}\b(.*?\b{_PARTNER})\b"), r"samarbetar\1"),
)

# Past tense separates "when did it start" (2009) from "when does it start" (2021).
_PAST_SV = frozenset({"borjade", "startade", "kom", "blev", "beslutade", "bestamde", "valde"})
_PAST_EN = frozenset({"did", "was", "were", "began", "started", "decided", "chose", "came"})


# What a question demands beyond its topic. The article gives no counts of people, no contact
# details and no way to apply for a job, so such a question is answered only by an entry whose
# example questions make the same demand ("hur många områden" -> the four areas).
DEMAND_PREFIX = "~"
_DEMANDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:hur manga|how many|antal|antalet|number of)\b"), "~count"),
    (
        re.compile(
            r"\b(?:telefon\w*|phone\w*|nummer|numret|ringa|ring|call|mejl\w*|mail\w*|email\w*"
            r"|e post|epost|adress\w*|address\w*|kontakt\w*|contact\w*|kontor\w*|office\w*"
            r"|oppettider|opening hours)\b"
        ),
        "~contact",
    ),
    (
        re.compile(
            r"\b(?:soka|soker|ansok\w*|apply\w*|application\w*|hiring|hire|recruit\w*"
            r"|rekryt\w*|get a job|fa jobb|fa ett jobb|jobba som|work as|ledig\w* jobb"
            r"|ledig\w* tjanst\w*|vacanc\w*|job openings?|jobs? available|open positions?)\b"
        ),
        "~apply",
    ),
    # The article speaks of other municipalities only to say Mölndal differs from them; whether the
    # work comes to them is not in it.
    (
        re.compile(
            r"\b(?:andra|ovriga|fler|other|more) (?:kommuner|kommunerna|stader|municipalities"
            r"|councils|towns)\b"
        ),
        "~elsewhere",
    ),
    (
        re.compile(
            r"\b(?:kostar|kosta|kostnad\w*|pengar|budget\w*|lon|lonen|tjanar|tjana|pris\w*"
            r"|betala\w*|betalt|avgift\w*|finansier\w*|fee|fees|fund|funds|funded|funding"
            r"|cost|costs|costing|money|salary|salaries|wage\w*|paid|pay|earn\w*|price\w*)\b"
        ),
        "~money",
    ),
)


# What a count question counts ("hur många områden" -> "~n:omraden"): an entry that counts areas
# does not answer "hur många jobbar med det".
COUNTED_PREFIX = "~n:"
_COUNTED_RE = re.compile(
    r"\b(?:hur manga|how many|antalet|antal|number of)(?: (?:av|of|the|de))? (\w+)"
)

CLAUSE = "|"
_CLAUSE_RE = re.compile(r"[,.;:!?\n]+")


def words(text: str) -> list[str]:
    """Folded tokens of `text`: verb phrases joined, CLAUSE between clauses, past tense marked."""
    result: list[str] = []
    for clause in _CLAUSE_RE.split(_DURATION_RE.sub("hur länge", text)):
        folded = _SHORTHAND_RE.sub(lambda m: _SHORTHAND[m.group(1)], fold(clause))
        folded = _CONTRACTION_RE.sub(r"\1", folded)
        if _COOPERATION_RE.search(folded):
            folded = _TRADE_RE.sub(lambda m: _TRADE[m.group(1)], folded)
        for pattern, replacement in _PATTERNS:
            folded = pattern.sub(replacement, folded)
        folded = _PHRASE_RE.sub(lambda m: _PHRASES[m.group(1)], folded)
        if folded:
            if result:
                result.append(CLAUSE)
            result.extend(folded.split())
    if any(w in _PAST_SV or w in _PAST_EN or _past_participle(w) for w in result):
        result.append(PAST_MARKER)
    whole = " ".join(result)
    result.extend(marker for pattern, marker in _DEMANDS if pattern.search(whole))
    result.extend(COUNTED_PREFIX + counted for counted in _COUNTED_RE.findall(whole))
    return result


PAST_MARKER = "~past"


def _past_participle(word: str) -> bool:
    # "flyttade", "beslutade" and the passive "startades" are past tense; "område(s)" (folded
    # "omrade", "omrades") only looks like it.
    return (
        word.endswith(("ade", "ades"))
        and len(word) > 5
        and not word.endswith(("omrade", "omrades"))
    )


# A question word deep inside a sentence is usually a conjunction ("nu när ni flyttar"), unless
# it follows a verb of asking ("jag undrar varför ...").
_ASKING = wordset(
    """
    undrar undra fundera funderar vet veta fragar fraga lite
    wonder wondering know ask asking tell me
    """
)


def asks(tokens: list[str], position: int) -> bool:
    """True when the question word at `position` asks the question rather than joins clauses."""
    start = position
    while start > 0 and tokens[start - 1] != CLAUSE:
        start -= 1
    return position - start < 3 or tokens[position - 1] in _ASKING


def is_stopword(token: str) -> bool:
    """True for a folded token that carries no topic in either language."""
    return token in STOPWORDS["sv"] or token in STOPWORDS["en"]


# An unknown word in these shapes names a thing, which is usually what a question is about
# ("apoteket", "biblioteket", "the roads"): Swedish definite endings, or an English determiner in
# front. Verbs, adverbs and adjectives residents add in passing have neither.
_DEFINITE_ENDINGS = ("et", "en", "an", "na")
_DETERMINERS = wordset("the a an my your our their his her this that these those")


# An existential question asks whether or where a thing is: "finns det sommarjobb", "vilka butiker
# finns", "is there a pool", "where is the pharmacy". The thing it names is its subject, definite or
# not; the words between the frame and the thing are quantifiers and adjectives residents add.
_EXISTS_SV = wordset("finns fanns finnas")
_EXISTS_EN = wordset("is are was were")
_THERE = wordset("there where")
_EXISTS_FILLERS = wordset(
    """
    det nagra nagot nagon nan nat manga fler mer bra nya nytt ny andra annan annat
    a an any some the many more good new other several
    """
)


def _after_existential(tokens: list[str], position: int) -> bool:
    """True when the word at `position` is what "finns det"/"is there"/"where is" asks about."""
    before = position - 1
    while before >= 0 and tokens[before] in _EXISTS_FILLERS:
        before -= 1
    if before < 0 or tokens[before] == CLAUSE:
        return False
    if tokens[before] in _EXISTS_SV:
        return True
    # "is there X", "are there X", "where is X"; "there is X", "there are X"
    previous = tokens[before - 1] if before > 0 else ""
    return (tokens[before] in _THERE and previous in _EXISTS_EN) or (
        tokens[before] in _EXISTS_EN and previous in _THERE
    )


def _before_existential(tokens: list[str], position: int) -> bool:
    """True for X in "vilka X finns", "which X are there": the thing whose existence is asked."""
    after = tokens[position + 1] if position + 1 < len(tokens) else ""
    if after in _EXISTS_SV:
        return True
    return after in _EXISTS_EN and position + 2 < len(tokens) and tokens[position + 2] == "there"


def looks_like_noun(tokens: list[str], position: int) -> bool:
    """True when the unknown word at `position` has the shape of a noun naming a thing, or is
    what an existential question ("finns det X", "vilka X finns", "is there X") asks about."""
    word = tokens[position]
    if len(word) >= 6 and word.endswith(_DEFINITE_ENDINGS):
        return True
    if position > 0 and tokens[position - 1] in _DETERMINERS:
        return True
    return _after_existential(tokens, position) or _before_existential(tokens, position)
