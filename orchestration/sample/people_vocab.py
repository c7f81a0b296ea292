"""Words a realistic synthetic user writes prompts from: subjects, details, style chunks, frames.

Written for the realistic generator (``people_edits``); nothing here is copied from real prompts.
The lists are long on purpose: a person rarely draws the same subject twice in an evening, and a
small vocabulary would make unrelated renders share words that real ones do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CREATURES: tuple[str, ...] = (
    "red fox", "barn owl", "grey wolf", "tabby cat", "raccoon", "octopus", "white stag",
    "brown bear", "hummingbird", "koi fish", "axolotl", "snow leopard", "jellyfish", "tortoise",
    "raven", "dragon", "griffin", "unicorn", "kraken", "phoenix", "capybara", "red panda",
    "hedgehog", "lion", "elephant", "giraffe", "hippo", "shiba inu", "corgi", "frog",
    "chameleon", "moth", "beetle", "seahorse", "manta ray", "orca", "bison", "lynx",
)  # fmt: skip
BIRDS: tuple[str, ...] = (
    "jay", "wren", "golden oriole", "kingfisher", "magpie", "grey heron", "robin", "hoopoe",
    "barn swallow", "kestrel", "bee eater", "puffin", "goldfinch", "nightingale", "stork",
    "woodpecker", "peacock", "flamingo", "toucan", "crane",
)  # fmt: skip
PEOPLE: tuple[str, ...] = (
    "old fisherman", "young witch", "samurai", "astronaut", "cyborg soldier", "knight",
    "librarian", "street musician", "desert nomad", "space pirate", "ballet dancer", "monk",
    "mechanic", "queen", "detective", "shaman", "cowboy", "firefighter", "scientist",
    "beekeeper", "gardener", "blacksmith", "sailor", "tailor", "chess player", "painter",
    "skateboarder", "barista", "boxer", "violinist", "archer", "necromancer", "paladin",
)  # fmt: skip
FAMOUS: tuple[str, ...] = (
    "albert einstein", "cleopatra", "napoleon bonaparte", "abraham lincoln", "joan of arc",
    "genghis khan", "marie curie", "leonardo da vinci", "nikola tesla", "julius caesar",
    "queen victoria", "charles darwin", "mozart", "ada lovelace", "galileo galilei",
    "confucius", "beethoven", "isaac newton", "frederick douglass", "catherine the great",
    "william shakespeare", "vincent van gogh", "hokusai", "socrates",
)  # fmt: skip
CHARACTERS: tuple[str, ...] = (
    "medusa", "zeus", "dracula", "sherlock holmes", "frankenstein monster", "pirate captain",
    "robot", "vampire", "werewolf", "grim reaper", "viking", "ninja", "wizard", "alien",
    "mermaid", "cyclops", "minotaur", "pinocchio", "alice in wonderland", "peter pan",
    "robin hood", "king arthur", "baba yaga", "anubis", "thor", "poseidon", "hercules",
)  # fmt: skip
PLACES: tuple[str, ...] = (
    "ruined cathedral", "floating city", "desert oasis", "neon alley in tokyo",
    "abandoned subway station", "lighthouse on a cliff", "greenhouse full of ferns",
    "mountain monastery", "flooded library", "sunken ship", "medieval market", "mars colony",
    "treehouse village", "ice cave", "hotel lobby", "victorian kitchen", "bamboo forest",
    "volcano", "waterfall", "canyon", "harbor town", "space station", "castle", "cabin",
    "train station", "bazaar", "rooftop garden", "laboratory", "cathedral interior", "bridge",
)  # fmt: skip
OBJECTS: tuple[str, ...] = (
    "teapot", "vintage camera", "mechanical heart", "pocket watch", "sneaker", "armchair",
    "perfume bottle", "guitar", "motorcycle", "lantern", "typewriter", "crown", "sword",
    "hourglass", "chess set", "telescope", "bicycle", "gramophone", "jukebox", "helmet",
    "sports car", "submarine", "hot air balloon", "cake", "burger", "sushi", "cupcake",
)  # fmt: skip
FAMILIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "creatures": CREATURES,
        "birds": BIRDS,
        "people": PEOPLE,
        "famous": FAMOUS,
        "characters": CHARACTERS,
        "places": PLACES,
        "objects": OBJECTS,
    }
)

ADJECTIVES: tuple[str, ...] = (
    "old", "tiny", "giant", "beautiful", "ancient", "cute", "majestic", "mysterious", "lonely",
    "happy", "angry", "golden", "dark", "colorful", "ethereal", "cyberpunk", "gothic", "fluffy",
    "elegant", "rusty", "futuristic", "abandoned", "enchanted", "wise", "sleepy", "fierce",
)  # fmt: skip
DETAILS: tuple[str, ...] = (
    "in a misty forest", "at golden hour", "under neon lights", "on a rainy street",
    "wearing a crown", "wearing a trench coat", "reading a book", "surrounded by flowers",
    "made of glass", "in a snowy field", "at night", "on the moon", "in the desert",
    "holding a lantern", "covered in moss", "smoking a pipe", "in a field of sunflowers",
    "by the sea", "sitting on a throne", "with glowing eyes", "in a cozy room",
    "riding a bicycle", "in the rain", "during a thunderstorm", "at dawn", "underwater",
    "inside a spaceship", "wrapped in vines", "in a steampunk workshop", "with a red umbrella",
    "on a mountain top", "in a crowded market", "next to a campfire", "in a candle lit hall",
    "floating in space", "on a wooden pier", "in an autumn park", "with a long shadow",
    "looking at the camera", "from behind", "close up", "full body", "wide shot",
    "in a victorian dress", "with flowers in the hair", "playing chess", "drinking tea",
)  # fmt: skip
LEADS: tuple[str, ...] = (
    "", "", "", "a photo of", "a painting of", "an illustration of", "a portrait of",
    "concept art of", "a 3 d render of", "a watercolor of", "a sketch of", "an oil painting of",
    "a cinematic still of", "a polaroid of", "a drawing of",
)  # fmt: skip
STYLES: tuple[str, ...] = (
    "trending on artstation", "octane render", "by greg rutkowski", "highly detailed",
    "unreal engine", "8 k", "4 k", "concept art", "sharp focus", "studio lighting",
    "cinematic lighting", "volumetric lighting", "digital painting", "artstation",
    "by artgerm", "by alphonse mucha", "intricate", "elegant", "matte painting",
    "hyperrealistic", "photorealistic", "dramatic lighting", "award winning photo", "smooth",
    "illustration", "by wlop", "by ilya kuvshinov", "pixiv", "dslr", "35 mm", "85 mm lens",
    "f / 1. 8", "bokeh", "depth of field", "soft light", "golden ratio", "symmetrical",
    "fantasy", "epic composition", "ultra detailed", "by makoto shinkai", "studio ghibli",
    "by moebius", "by james gurney", "by beksinski", "by simon stalenhag", "cgsociety",
    "deviantart", "behance", "film grain", "kodak portra 4 0 0", "wide angle", "macro",
    "vibrant colors", "pastel colors", "muted colors", "dark fantasy", "cyberpunk",
    "steampunk", "art nouveau", "ukiyo - e", "low poly", "isometric", "3 d render",
    "rim light", "god rays", "masterpiece", "high resolution", "rendered in blender",
    "by craig mullins", "by rembrandt", "oil on canvas", "watercolor", "ink drawing",
)  # fmt: skip
# Fixed frames whose slot changes between renders: filling one slot after another explores;
# iterating on one filler refines it. The family names the slot's list.
FRAMES: tuple[tuple[str, str], ...] = (
    ("face icon stylized minimalist {}", "characters"),
    ("portrait of {} by rembrandt", "famous"),
    ("{} as a funko pop toy, studio lighting", "characters"),
    ("a marble statue of {}, museum photo", "famous"),
    ("a {} made of stained glass", "creatures"),
    ("a cute {} sticker, white background", "creatures"),
    ("{} flying over a misty valley at dawn", "birds"),
    ("a {} perched on a mossy branch, wildlife photo", "birds"),
    ("tarot card of {}", "characters"),
    ("{} in the style of ukiyo - e", "places"),
    ("an isometric diorama of a {}", "places"),
    ("a {} emoji", "objects"),
    ("product photo of a {} made of wood", "objects"),
    ("{} as a soviet propaganda poster", "people"),
    ("a {} in a renaissance painting", "people"),
)
# One-word rewordings a person makes without changing what is drawn.
SYNONYMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "old": ("ancient", "elderly", "aged"),
        "tiny": ("small", "little", "miniature"),
        "giant": ("huge", "enormous", "colossal"),
        "beautiful": ("gorgeous", "stunning", "pretty"),
        "cute": ("adorable", "sweet", "lovely"),
        "dark": ("gloomy", "shadowy", "moody"),
        "photo": ("photograph", "picture", "shot"),
        "painting": ("artwork", "canvas", "picture"),
        "forest": ("woods", "woodland", "jungle"),
        "street": ("road", "alley", "avenue"),
        "night": ("midnight", "dusk", "evening"),
        "glowing": ("shining", "luminous", "bright"),
        "happy": ("smiling", "cheerful", "joyful"),
        "angry": ("furious", "fierce", "grumpy"),
        "sea": ("ocean", "coast", "shore"),
        "room": ("bedroom", "study", "living room"),
        "wearing": ("dressed in", "in", "with"),
        "holding": ("carrying", "with", "clutching"),
        "illustration": ("drawing", "artwork", "picture"),
        "misty": ("foggy", "hazy", "smoky"),
        "snowy": ("frozen", "icy", "wintry"),
        "rainy": ("wet", "stormy", "drizzly"),
        "mysterious": ("strange", "eerie", "uncanny"),
    }
)
