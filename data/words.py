"""Vocabularies for the demo store: the project's own words, combined at random by data.demo.

Lists are tuples so their order is fixed: the generator picks from them by index, and a
deterministic store needs the same index to mean the same word on every run.
"""

# --- Reference data the schema expects (names as in Pagila, so queries read the same) ---

LANGUAGES = ("English", "Italian", "Japanese", "Mandarin", "French", "German")

CATEGORIES = (
    "Action", "Animation", "Children", "Classics", "Comedy", "Documentary", "Drama", "Family",
    "Foreign", "Games", "Horror", "Music", "New", "Sci-Fi", "Sports", "Travel",
)  # fmt: skip

RATINGS = ("G", "PG", "PG-13", "R", "NC-17")

# In Pagila's order; a film's features are a non-empty subset kept in this order.
SPECIAL_FEATURES = ("Trailers", "Commentaries", "Deleted Scenes", "Behind the Scenes")

STREAMING_PLANS = ("Basic", "Standard", "Premium")

# --- Film titles: MODIFIER-or-NOUN + NOUN, e.g. "PHANTOM HARBOR", "COMET LULLABY" ---

TITLE_MODIFIERS = (
    "ABSENT", "AMBER", "ANCIENT", "ARCTIC", "ATOMIC", "AUTUMN", "BACKWARD", "BITTER", "BLACK",
    "BLAZING", "BLIND", "BLUE", "BOLD", "BORROWED", "BRAVE", "BRIGHT", "BROKEN", "BURNING",
    "CALM", "CARDBOARD", "CELESTIAL", "CHROME", "CLOCKWORK", "COBALT", "COLD", "COPPER",
    "COSMIC", "CRIMSON", "CROOKED", "CRYSTAL", "CURSED", "DARK", "DEADLY", "DEEP", "DESERT",
    "DISTANT", "DIZZY", "DOUBLE", "DUSTY", "ELECTRIC", "ELEGANT", "EMERALD", "EMPTY",
    "ENDLESS", "ETERNAL", "FADING", "FALLEN", "FALSE", "FAMOUS", "FERAL", "FIERCE", "FINAL",
    "FIRST", "FLOATING", "FORBIDDEN", "FORGOTTEN", "FRAGILE", "FROZEN", "GENTLE", "GHOSTLY",
    "GILDED", "GLASS", "GOLDEN", "GRAND", "GREY", "GRIM", "HAUNTED", "HIDDEN", "HOLLOW",
    "HUNGRY", "ICY", "IDLE", "IMPOSSIBLE", "INFINITE", "INVISIBLE", "IRON", "IVORY", "JADE",
    "JAGGED", "JOYFUL", "LAST", "LATE", "LAZY", "LEGENDARY", "LIMITLESS", "LITTLE", "LONELY",
    "LONG", "LOST", "LOUD", "LUCKY", "LUNAR", "MAGNETIC", "MARBLE", "MIDNIGHT", "MIGHTY",
    "MISTY", "MODERN", "MOLTEN", "MORTAL", "MYSTIC", "NEON", "NERVOUS", "NIMBLE", "NOBLE",
    "NOCTURNAL", "NORTHERN", "OBSIDIAN", "ODD", "OPEN", "ORANGE", "PALE", "PAPER", "PERFECT",
    "PHANTOM", "PLASTIC", "POLAR", "PRIVATE", "PROUD", "PURPLE", "QUIET", "RADIANT", "RAGGED",
    "RAPID", "RECKLESS", "RESTLESS", "RISING", "ROYAL", "RUSTY", "SACRED", "SALTY", "SAVAGE",
    "SCARLET", "SECOND", "SECRET", "SHATTERED", "SHINING", "SILENT", "SILVER", "SLEEPING",
    "SLOW", "SOLAR", "SOUTHERN", "SPARKLING", "STATIC", "STEEL", "STOLEN", "STORMY", "STRANGE",
    "SUDDEN", "SUNKEN", "SWIFT", "TANGLED", "TENDER", "THIRSTY", "TIMELESS", "TINY",
    "TROPICAL", "TWILIGHT", "TWISTED", "UNDERGROUND", "UNSEEN", "VELVET", "VENOMOUS", "VIOLET",
    "VIRTUAL", "WANDERING", "WARM", "WICKED", "WILD", "WINTER", "WOODEN", "YELLOW", "YOUNG",
    "ZEALOUS",
)  # fmt: skip

TITLE_NOUNS = (
    "ACROBAT", "ALCHEMIST", "ALIBI", "ALLEY", "ALMANAC", "AMULET", "ANCHOR", "ANGEL", "ANTHEM",
    "ARCADE", "ARMADA", "ARROW", "ASTRONAUT", "ASYLUM", "ATLAS", "AVALANCHE", "AVENUE",
    "BALLAD", "BALLOON", "BANDIT", "BANQUET", "BARON", "BAZAAR", "BEACON", "BISHOP",
    "BLIZZARD", "BLOSSOM", "BOOMERANG", "BOULEVARD", "BRIDGE", "BRIGADE", "BUCCANEER",
    "BUTTERFLY", "CABARET", "CANNON", "CANYON", "CAPTAIN", "CARAVAN", "CARNIVAL",
    "CARTOGRAPHER", "CASINO", "CASTLE", "CATHEDRAL", "CAVALRY", "CELLAR", "CHAMPION",
    "CHARIOT", "CIPHER", "CIRCUS", "CITADEL", "CLOCK", "COLOSSUS", "COMET", "COMPASS",
    "CONDOR", "CONSPIRACY", "CORRIDOR", "COUNTESS", "COURIER", "COYOTE", "CROWN", "CRUSADE",
    "CYCLONE", "DAGGER", "DANCER", "DECOY", "DELTA", "DETECTIVE", "DIAMOND", "DINOSAUR",
    "DIPLOMAT", "DOMINO", "DRAGON", "DREAMER", "DRIFTER", "DUNGEON", "DYNASTY", "ECHO",
    "ECLIPSE", "EMBASSY", "EMISSARY", "EMPIRE", "ENIGMA", "EXPRESS", "FABLE", "FALCON",
    "FERRY", "FESTIVAL", "FLAME", "FOREST", "FORTRESS", "FOUNTAIN", "FRONTIER", "GALAXY",
    "GAMBIT", "GARDEN", "GARRISON", "GATEWAY", "GENERAL", "GEYSER", "GLACIER", "GLADIATOR",
    "GOBLIN", "GONDOLA", "GRAVEYARD", "GRIFFIN", "GUARDIAN", "HARBOR", "HARVEST", "HAVEN",
    "HEIRESS", "HERMIT", "HIGHWAY", "HORIZON", "HURRICANE", "INFERNO", "ISLAND", "JACKAL",
    "JOURNEY", "JUBILEE", "JUNGLE", "JURY", "KINGDOM", "KNIGHT", "LABYRINTH", "LAGOON",
    "LANTERN", "LEGACY", "LEGEND", "LIGHTHOUSE", "LOCOMOTIVE", "LOTUS", "LULLABY", "MACHINE",
    "MAGICIAN", "MANSION", "MARATHON", "MARIONETTE", "MASQUERADE", "MEADOW", "MERCENARY",
    "METEOR", "MIRAGE", "MIRROR", "MONARCH", "MONASTERY", "MONSOON", "MOSAIC", "MOUNTAIN",
    "MUSEUM", "NEBULA", "NOMAD", "OASIS", "OBSERVATORY", "ODYSSEY", "ORACLE", "ORCHARD",
    "ORCHESTRA", "OUTCAST", "OUTLAW", "OUTPOST", "PALACE", "PARADE", "PARADOX", "PARLOR",
    "PASSAGE", "PATROL", "PAVILION", "PENDULUM", "PHOENIX", "PILGRIM", "PIRATE", "PLANET",
    "PORTRAIT", "PRISM", "PROPHET", "PROTOCOL", "PUZZLE", "PYRAMID", "QUARRY", "QUARTET",
    "RAILWAY", "RANSOM", "RAVEN", "REBEL", "REEF", "REQUIEM", "RHAPSODY", "RIDDLE", "RIVER",
    "ROBOT", "RODEO", "ROGUE", "SAFARI", "SAMURAI", "SANCTUARY", "SATELLITE", "SCANDAL",
    "SCARECROW", "SCOUNDREL", "SENTINEL", "SERENADE", "SERPENT", "SHERIFF", "SHIPWRECK",
    "SIGNAL", "SKYLINE", "SMUGGLER", "SONATA", "SPARROW", "SPECTER", "SPHINX", "STAMPEDE",
    "STARLIGHT", "STATION", "STRANGER", "SUBMARINE", "SUMMIT", "SUNSET", "SYMPHONY", "TANGO",
    "TAPESTRY", "TELESCOPE", "TEMPEST", "TEMPLE", "TERMINAL", "THRONE", "THUNDER", "TIDE",
    "TORNADO", "TOURNAMENT", "TOWER", "TRAIL", "TRAPEZE", "TREASURE", "TRIBUNAL", "TROMBONE",
    "TUNNEL", "TYCOON", "UNIVERSE", "URCHIN", "VAGABOND", "VALLEY", "VAMPIRE", "VANGUARD",
    "VAULT", "VELOCITY", "VENDETTA", "VERDICT", "VILLA", "VINEYARD", "VOLCANO", "VOYAGE",
    "VOYAGER", "WALTZ", "WANDERER", "WARDEN", "WATCHTOWER", "WHIRLWIND", "WIDOW",
    "WILDERNESS", "WITNESS", "WIZARD", "WOLF", "ZEPPELIN", "ZODIAC",
)  # fmt: skip

# --- Descriptions: "A Thoughtful Saga of a Mad Scientist And a Robot who must Rescue a
# Dinosaur in a Lighthouse". The characters include the phrases staff search for. ---

DESCRIPTION_ADJECTIVES = (
    "Absurd", "Bittersweet", "Breathless", "Brooding", "Charming", "Cheerful", "Daring", "Eerie",
    "Elegant", "Epic", "Frantic", "Glorious", "Gripping", "Gritty", "Haunting", "Heartwarming",
    "Intimate", "Lavish", "Lyrical", "Melancholy", "Moody", "Offbeat", "Operatic", "Playful",
    "Quirky", "Raucous", "Rousing", "Sly", "Sprawling", "Stylish", "Sweeping", "Taut", "Tender",
    "Tense", "Thoughtful", "Unflinching", "Whimsical", "Wistful", "Witty", "Zany",
)  # fmt: skip

DESCRIPTION_FORMS = (
    "Adventure", "Caper", "Character Study", "Chronicle", "Comedy", "Drama", "Epic", "Fable",
    "Farce", "Melodrama", "Memoir", "Mystery", "Odyssey", "Parable", "Portrait", "Romance",
    "Saga", "Satire", "Tale", "Thriller",
)  # fmt: skip

CHARACTERS = (
    "Mad Scientist", "Dinosaur", "Robot", "Astronaut", "Alien", "Ballerina", "Bear",
    "Beekeeper", "Cat", "Circus Clown", "Cowboy", "Crocodile", "Dentist", "Detective",
    "Diplomat", "Dog", "Elephant", "Explorer", "Fisherman", "Florist", "Ghost", "Gorilla",
    "Hacker", "Horse", "Inventor", "Jazz Pianist", "Librarian", "Lighthouse Keeper",
    "Lumberjack", "Magician", "Mermaid", "Monk", "Night Watchman", "Ninja", "Octopus",
    "Parrot", "Penguin", "Pilot", "Pirate", "Poet", "Private Investigator", "Professor",
    "Retired Boxer", "Samurai", "Schoolteacher", "Secret Agent", "Sheriff", "Sous Chef",
    "Stuntman", "Submarine Captain", "Taxi Driver", "Tiger", "Time Traveler", "Vampire",
    "Werewolf", "Wizard", "Zookeeper",
)  # fmt: skip

ACTIONS = (
    "Befriend", "Challenge", "Chase", "Confront", "Dance with", "Defeat", "Discover", "Duel",
    "Escape", "Find", "Forgive", "Guide", "Hunt", "Impress", "Interrogate", "Kidnap", "Marry",
    "Outrun", "Outsmart", "Outwit", "Protect", "Race", "Redeem", "Rescue", "Reunite with",
    "Sabotage", "Spy on", "Tame", "Teach", "Track Down", "Trick", "Unmask",
)  # fmt: skip

PLACES = (
    "Ancient Rome", "Outer Space", "Paris", "New Orleans", "Tokyo", "Victorian London",
    "a Bowling Alley", "a Casino", "a Castle", "a Desert Island", "a Farmhouse", "a Greenhouse",
    "a Haunted Hotel", "a Jazz Club", "a Laundromat", "a Lighthouse", "a Monastery",
    "a Moon Base", "a Museum", "a Prison", "a Research Lab", "a Roller Coaster",
    "a Shopping Mall", "a Small Town", "a Space Station", "a Submarine", "a Sunken Ship",
    "a Train Station", "a Traveling Circus", "a Vineyard", "a Volcano", "a Zeppelin",
    "an Abandoned Mine", "an Observatory", "an Underground Bunker", "the Amazon Rainforest",
    "the Arctic Circle", "the Himalayas", "the Sahara Desert", "the Wild West",
)  # fmt: skip

# --- People: Pagila's convention is UPPER case for customers and actors. WILLIE is kept out
# of FIRST_NAMES on purpose: the generator adds exactly two WILLIEs to test ambiguity. ---

FIRST_NAMES = (
    "AARON", "ABIGAIL", "ADAM", "ADRIAN", "AGNES", "ALAN", "ALBERT", "ALICE", "ALMA", "ALVIN",
    "AMANDA", "AMBER", "AMOS", "ANDREA", "ANGELA", "ANITA", "ANNE", "ARNOLD", "ARTHUR",
    "AUDREY", "BARBARA", "BEATRICE", "BENJAMIN", "BERNARD", "BERTHA", "BETTY", "BEVERLY",
    "BLANCHE", "BONNIE", "BRADLEY", "BRENDA", "BRUCE", "BYRON", "CALVIN", "CARL", "CAROL",
    "CAROLINE", "CECIL", "CHARLENE", "CHESTER", "CLARA", "CLARENCE", "CLAUDE", "CLIFFORD",
    "COLLEEN", "CONNIE", "CORA", "CRAIG", "CURTIS", "DAISY", "DALE", "DAPHNE", "DARRELL",
    "DEBORAH", "DELIA", "DENNIS", "DEXTER", "DIANE", "DOLORES", "DONALD", "DORIS", "DOUGLAS",
    "DUANE", "EARL", "EDGAR", "EDITH", "EDNA", "EILEEN", "ELAINE", "ELEANOR", "ELMER", "ELSIE",
    "EMMA", "ERNEST", "ESTHER", "ETHEL", "EUGENE", "EVELYN", "FAYE", "FELIX", "FLORENCE",
    "FLOYD", "FRANCES", "FRANKLIN", "GAIL", "GENEVIEVE", "GEORGIA", "GERALD", "GILBERT",
    "GLADYS", "GLENN", "GLORIA", "GORDON", "GRETA", "HAROLD", "HARRIET", "HAZEL", "HECTOR",
    "HERBERT", "HILDA", "HOMER", "HOWARD", "HUGO", "IDA", "IMOGEN", "IRENE", "IRIS", "IRVING",
    "ISAAC", "IVAN", "JANET", "JASPER", "JEANETTE", "JEROME", "JOAN", "JOSEPHINE", "JUDITH",
    "JULIAN", "JUNE", "KATHLEEN", "KEITH", "KENNETH", "KERMIT", "LAUREN", "LAWRENCE", "LEON",
    "LEONA", "LESTER", "LILLIAN", "LLOYD", "LOIS", "LORRAINE", "LUCY", "LUTHER", "MABEL",
    "MARCUS", "MARGARET", "MARIAN", "MARION", "MARJORIE", "MARTHA", "MARVIN", "MAUDE",
    "MAURICE", "MAVIS", "MELVIN", "MILDRED", "MILTON", "MIRIAM", "MORRIS", "MURIEL", "MYRTLE",
    "NADINE", "NATALIE", "NEIL", "NELLIE", "NORMAN", "NORA", "OLIVE", "OLIVER", "OSCAR",
    "OTIS", "PAULINE", "PEARL", "PERCY", "PHYLLIS", "PRISCILLA", "RALPH", "RAYMOND", "REGINA",
    "RHODA", "ROLAND", "ROSALIND", "ROSCOE", "RUBY", "RUFUS", "RUTH", "SALLY", "SAMUEL",
    "SELMA", "SHIRLEY", "SIDNEY", "SILAS", "STANLEY", "STELLA", "SYLVIA", "THELMA", "THEODORE",
    "TOBIAS", "URSULA", "VERA", "VERNON", "VICTOR", "VIOLA", "VIRGIL", "VIVIAN", "WALLACE",
    "WALTER", "WANDA", "WARREN", "WENDELL", "WILMA", "WINIFRED", "YVONNE", "ZELDA",
)  # fmt: skip

LAST_NAMES = (
    "ABERNATHY", "ACKERLY", "ALCOTT", "ALDRIDGE", "ARBUCKLE", "ASHFORD", "ATWOOD", "BAILEY",
    "BALDWIN", "BANCROFT", "BARLOW", "BARNABY", "BEASLEY", "BECKWITH", "BELLAMY", "BENTLEY",
    "BIRCH", "BLACKWOOD", "BLAKELY", "BOSWELL", "BRADDOCK", "BRAMBLE", "BRANNIGAN", "BRISCOE",
    "BROOKSHIRE", "BUCKLEY", "BURGESS", "CALDWELL", "CALLOWAY", "CARMICHAEL", "CARVER",
    "CHADWICK", "CHANDLER", "CHATWIN", "CLAYBORNE", "COBB", "COLFAX", "CONWAY", "CORCORAN",
    "CRANDALL", "CROCKETT", "CROWLEY", "DALTON", "DARBY", "DAVENPORT", "DEMPSEY", "DENTON",
    "DOBBS", "DONAHUE", "DOYLE", "DRUMMOND", "DUNBAR", "DURANT", "EASTWICK", "ELLSWORTH",
    "EMBRY", "EVERETT", "FAIRBANKS", "FALCONER", "FARNSWORTH", "FENWICK", "FINCH", "FLETCHER",
    "FORSYTHE", "FOWLER", "FROST", "GALLAGHER", "GARLAND", "GATSBY", "GIBBONS", "GODWIN",
    "GOODALE", "GRAYSON", "GRESHAM", "GRIMSBY", "HADLEY", "HALLORAN", "HARDWICK", "HARLOW",
    "HASTINGS", "HAWTHORNE", "HAYWOOD", "HEMLOCK", "HOLLOWAY", "HORNSBY", "HUXLEY", "INGRAM",
    "IRWIN", "JARVIS", "JEFFRIES", "JENNINGS", "KEATING", "KELLAWAY", "KENDRICK", "KIMBALL",
    "KINCAID", "KIRKLAND", "LACEY", "LAMBERT", "LANCASTER", "LANGFORD", "LARKIN", "LATIMER",
    "LEDBETTER", "LINDQVIST", "LOCKHART", "LOVELACE", "LOWELL", "LUNDGREN", "MACALLISTER",
    "MADDOX", "MALLORY", "MANNING", "MARLOWE", "MATHIS", "MAYFIELD", "MCCRAY", "MERRIWEATHER",
    "MIDDLETON", "MONTAGUE", "MORROW", "MULLIGAN", "NASH", "NEWCOMB", "NORCROSS", "NORTHRUP",
    "OAKLEY", "OGDEN", "OSBORNE", "OVERTON", "PACKARD", "PALMER", "PARRISH", "PEABODY",
    "PEMBERTON", "PENROSE", "PICKERING", "PIERCE", "PRENTICE", "PRESCOTT", "PUTNAM", "QUIGLEY",
    "QUINLAN", "RADCLIFFE", "RAINES", "RAMSEY", "RANDALL", "REDFIELD", "RIDLEY", "ROCKWELL",
    "ROSSITER", "ROWLAND", "RUTHERFORD", "SALISBURY", "SAWYER", "SEDGWICK", "SHACKLETON",
    "SHELBY", "SHEPPARD", "SINCLAIR", "SLOANE", "SOMERSET", "SPALDING", "STANTON",
    "STOCKWELL", "STRICKLAND", "SUTHERLAND", "SWANSON", "TALBOT", "TANAKA", "TATE", "THACKERAY",
    "THORNBURY", "TILLMAN", "TOWNSEND", "TREMAINE", "TRUMBULL", "UNDERHILL", "UPTON", "VALENTINE",
    "VANCE", "VAUGHAN", "VICKERS", "WADSWORTH", "WAINWRIGHT", "WAKEFIELD", "WALCOTT",
    "WARBURTON", "WEATHERBY", "WEBSTER", "WENTWORTH", "WHITAKER", "WHITLOCK", "WICKHAM",
    "WILLOUGHBY", "WINSLOW", "WOODRUFF", "WORTHINGTON", "YARDLEY", "YORKE", "ZIMMER",
)  # fmt: skip

# Two customers share this first name (and no one else has it), with these last names.
AMBIGUOUS_FIRST_NAME = "WILLIE"
AMBIGUOUS_LAST_NAMES = ("PRESCOTT", "TANAKA")

# The two clerks: (first, last, username). Staff names are mixed case in Pagila.
STAFF = (("Hector", "Alvarado", "hector"), ("Ingrid", "Lindqvist", "ingrid"))

# --- Places: (city, district, country). Real places; the pairings are the store's own. ---

CITIES = (
    ("Halifax", "Nova Scotia", "Canada"), ("Kelowna", "British Columbia", "Canada"),
    ("Dunedin", "Otago", "New Zealand"), ("Napier", "Hawke's Bay", "New Zealand"),
    ("Ballarat", "Victoria", "Australia"), ("Toowoomba", "Queensland", "Australia"),
    ("Bendigo", "Victoria", "Australia"), ("Galway", "Connacht", "Ireland"),
    ("Cork", "Munster", "Ireland"), ("Aberdeen", "Scotland", "United Kingdom"),
    ("Bath", "England", "United Kingdom"), ("Swansea", "Wales", "United Kingdom"),
    ("Tromso", "Troms", "Norway"), ("Bergen", "Vestland", "Norway"),
    ("Uppsala", "Uppsala", "Sweden"), ("Malmo", "Skane", "Sweden"),
    ("Tampere", "Pirkanmaa", "Finland"), ("Aarhus", "Central Jutland", "Denmark"),
    ("Groningen", "Groningen", "Netherlands"), ("Ghent", "East Flanders", "Belgium"),
    ("Freiburg", "Baden-Wurttemberg", "Germany"), ("Leipzig", "Saxony", "Germany"),
    ("Graz", "Styria", "Austria"), ("Lucerne", "Lucerne", "Switzerland"),
    ("Lyon", "Auvergne-Rhone-Alpes", "France"), ("Nantes", "Pays de la Loire", "France"),
    ("Bologna", "Emilia-Romagna", "Italy"), ("Palermo", "Sicily", "Italy"),
    ("Porto", "Norte", "Portugal"), ("Valencia", "Valencia", "Spain"),
    ("Bilbao", "Basque Country", "Spain"), ("Krakow", "Lesser Poland", "Poland"),
    ("Brno", "South Moravia", "Czech Republic"), ("Debrecen", "Hajdu-Bihar", "Hungary"),
    ("Cluj-Napoca", "Cluj", "Romania"), ("Thessaloniki", "Central Macedonia", "Greece"),
    ("Izmir", "Izmir", "Turkey"), ("Haifa", "Haifa", "Israel"),
    ("Mombasa", "Coast", "Kenya"), ("Arusha", "Arusha", "Tanzania"),
    ("Durban", "KwaZulu-Natal", "South Africa"), ("Stellenbosch", "Western Cape", "South Africa"),
    ("Kumasi", "Ashanti", "Ghana"), ("Marrakesh", "Marrakesh-Safi", "Morocco"),
    ("Pune", "Maharashtra", "India"), ("Mysore", "Karnataka", "India"),
    ("Kandy", "Central", "Sri Lanka"), ("Chiang Mai", "Chiang Mai", "Thailand"),
    ("Da Nang", "Da Nang", "Vietnam"), ("Cebu", "Central Visayas", "Philippines"),
    ("Bandung", "West Java", "Indonesia"), ("Penang", "Penang", "Malaysia"),
    ("Sapporo", "Hokkaido", "Japan"), ("Kanazawa", "Ishikawa", "Japan"),
    ("Busan", "Busan", "South Korea"), ("Chengdu", "Sichuan", "China"),
    ("Xiamen", "Fujian", "China"), ("Tainan", "Tainan", "Taiwan"),
    ("Cusco", "Cusco", "Peru"), ("Valparaiso", "Valparaiso", "Chile"),
    ("Mendoza", "Mendoza", "Argentina"), ("Cordoba", "Cordoba", "Argentina"),
    ("Curitiba", "Parana", "Brazil"), ("Recife", "Pernambuco", "Brazil"),
    ("Medellin", "Antioquia", "Colombia"), ("Oaxaca", "Oaxaca", "Mexico"),
    ("Merida", "Yucatan", "Mexico"), ("Savannah", "Georgia", "United States"),
    ("Boise", "Idaho", "United States"), ("Duluth", "Minnesota", "United States"),
    ("Asheville", "North Carolina", "United States"), ("Tucson", "Arizona", "United States"),
    ("Spokane", "Washington", "United States"), ("Burlington", "Vermont", "United States"),
)  # fmt: skip

STORE_CITIES = ("Halifax", "Dunedin")  # where the two shops are

STREET_NAMES = (
    "Acorn", "Alder", "Ash", "Aspen", "Bayview", "Beacon", "Birchwood", "Bluebell", "Brook",
    "Canal", "Cedar", "Chapel", "Cherry", "Chestnut", "Clover", "Copper", "Cypress", "Dogwood",
    "Elm", "Fern", "Foxglove", "Garden", "Glen", "Granite", "Hawthorn", "Heather", "Hickory",
    "Highland", "Holly", "Juniper", "Lake", "Larch", "Laurel", "Linden", "Magnolia", "Maple",
    "Meadow", "Mill", "Mulberry", "Oak", "Orchard", "Pine", "Poplar", "Quarry", "Ridge",
    "River", "Rowan", "Sage", "Spruce", "Station", "Sycamore", "Thistle", "Tulip", "Valley",
    "Walnut", "Willow", "Windmill", "Yew",
)  # fmt: skip

STREET_SUFFIXES = (
    "Street", "Avenue", "Road", "Lane", "Drive", "Way", "Boulevard", "Place", "Court", "Parkway",
)  # fmt: skip
