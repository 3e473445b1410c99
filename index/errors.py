"""Index failures a person can act on."""


class IndexError_(Exception):
    """Base class (named with a trailing underscore so it never shadows the built-in IndexError)."""


class IndexNotFound(IndexError_):
    pass


class StaleIndex(IndexError_):
    pass


class CorruptIndex(IndexError_):
    pass
