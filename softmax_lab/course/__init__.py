"""The course's helpers: what the notebooks and the presenter import beside the library.

Exercise checkers (``checks``), plots, the four explorer widgets (temperature, simplex, calibration,
sampling pipeline), display and tables, and the small studies and data that notebooks 03 and 06-12 run
(softmax regression, the cost of the backward pass, the character model, the simplex, calibration, the
sampler's stages, attention's scaling and memory). Nothing here is
part of the softmax library itself (that lives one level up, in ``softmax_lab``, and needs
only numpy); these helpers may use matplotlib, anywidget (with ipywidgets) and IPython.

This file imports nothing, so ``import softmax_lab.course.checks`` loads only the checkers.
"""
