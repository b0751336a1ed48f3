"""Input points touched by a contiguous run of flattened (im2col) output pixels.

A fused pixel dim (``PQ``, ``NPQ``) numbers the output pixels row-major: images outermost,
then output rows ``p``, then columns ``q``. A tile of such a dim is a run of consecutive
pixels, which may start mid-row and span row (and image) boundaries. Output row ``p`` with
columns ``qa..qb`` reads input rows ``p*sh .. p*sh + wr - 1`` and columns
``qa*sw .. qb*sw + ws - 1`` (``wr``, ``ws``: spans of the filter tile, ``dilation*(extent-1)
+ 1``). The run's footprint is the union of those boxes: a partial first row (``qa..Q-1``),
whole middle rows, a partial last row (``0..qb``); counted here in closed form, vectorized
over run starts. Like the affine footprints of unfused dims (index-space spans, as Timeloop
counts them), a row's columns are one interval, and when the stride exceeds the filter span a
row that is followed by another in the run spans its whole stride: a run of whole rows then
touches exactly what the unfused tile of those rows does. Pixels past the real ones (padding
of the fused bound) read nothing.
"""

from __future__ import annotations

import numpy as np


def _in_image(a: np.ndarray, b: np.ndarray, rows: int, cols: int, sh: int, sw: int,
              wr: int, ws: int) -> np.ndarray:
    """Footprint of runs ``[a, b)`` inside one image (``0 <= a <= b <= rows*cols``)."""
    width = (cols - 1) * sw + ws  # input columns a whole output row reads
    last = np.maximum(b - 1, a)
    p0, qa = a // cols, a % cols
    p1, qb = last // cols, last % cols
    one_row = wr * ((qb - qa) * sw + ws)
    k = p1 - p0 - 1  # whole rows strictly between the first and the last
    col_a = width - qa * sw  # the first row reads columns qa*sw .. width-1
    col_c = qb * sw + ws  # the last row reads columns 0 .. qb*sw + ws - 1
    union = np.where(col_c >= qa * sw, width, col_a + col_c)
    if wr >= sh:  # consecutive output rows' input rows touch or overlap
        middle = np.where(k >= 1, (k - 1) * sh + wr, 0)
        both = np.where(k == 0, wr - sh, 0)  # input rows read by the first and last row only
        alone = np.where(k >= 1, sh, wr - both)
        multi = alone * (col_a + col_c) + both * union + middle * width
    else:  # stride above the window: each row but the last spans its stride (see above)
        multi = sh * col_a + k * sh * width + wr * col_c
    return np.where(b <= a, 0, np.where(p0 == p1, one_row, multi))


def run_footprint(starts: np.ndarray, length: int, *, images: int, rows: int, cols: int,
                  stride: tuple[int, int] = (1, 1), span: tuple[int, int] = (1, 1)
                  ) -> np.ndarray:
    """Input points (per channel) touched by the runs ``[start, start + length)`` of
    flattened output pixels over ``images x rows x cols``; ``stride`` is (rows, cols) and
    ``span`` the filter tile's span (rows, cols) in input points."""
    sh, sw = stride
    wr, ws = span
    size = rows * cols
    a = np.minimum(np.asarray(starts, dtype=np.int64), images * size)
    b = np.minimum(a + length, images * size)
    n0 = a // size
    n1 = np.maximum(b - 1, a) // size
    full = ((rows - 1) * sh + wr) * ((cols - 1) * sw + ws)
    first_end = np.where(n1 > n0, (n0 + 1) * size, b)
    out = _in_image(a - n0 * size, first_end - n0 * size, rows, cols, sh, sw, wr, ws)
    spanning = n1 > n0
    tail = _in_image(np.zeros_like(a), np.where(spanning, b - n1 * size, 0), rows, cols,
                     sh, sw, wr, ws)
    return out + np.where(spanning, tail + (n1 - n0 - 1) * full, 0)
