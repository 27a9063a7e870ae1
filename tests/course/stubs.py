"""Helpers the checker tests share: the two kinds of untouched stub, and the test that a slip is named."""


def raises_stub(*args):
    raise NotImplementedError("write the body")


def returns_ellipsis(*args):
    return ...


def assert_slip(res, words):
    assert not res.ok and res.attempted, repr(res)
    assert words in repr(res), repr(res)
