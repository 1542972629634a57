UNITS = {'a': 'kg', 'b': 'm'}


def unit(key):
    return UNITS.get(key, '')
