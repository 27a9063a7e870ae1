"""The course's helpers: what the notebooks and the presenter import beside the library.

Exercise checkers (``checks``), plots, the temperature explorer widget, display and tables,
and the small studies that notebooks 05, 06 and 11 run, with their data. Nothing here is
part of the softmax library itself (that lives one level up, in ``softmax_lab``, and needs
only numpy); these helpers may use matplotlib, ipywidgets and IPython.

This file imports nothing, so ``import softmax_lab.course.checks`` loads only the checkers.
"""
