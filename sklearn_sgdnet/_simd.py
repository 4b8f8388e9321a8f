"""Vectors in registers for the compiled engine's narrow first layer.

Numba has no vector type: its loops reach SIMD instructions through LLVM's
loop vectoriser, which works on the innermost loop only and keeps its
operands in memory. Where a mostly-zero input row goes through a first layer
of at most 32 neurons (:func:`_numba_training._row_gather`), the whole of
``z^1_x`` fits in two vector registers, and the loop that matters is the one
over the row's non-zero inputs: kept in registers across it, ``z^1_x`` is
loaded and stored once per row instead of once per input. The functions
here give a Numba kernel that control: a vector type of a fixed width, its
load and store at an array's element, and the multiply-add, each one LLVM
instruction (``llvm.fma`` for the last). LLVM lowers a width the machine
lacks to the widths it has (two AVX2 registers for 16 float32 values), so
the results are the same on every machine, and the same as a loop that
multiplies and adds in the same order.

Nothing here checks an index: the kernels only ask for columns inside a
row. Imported only where Numba is installed; nothing here imports
scikit-learn.
"""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import RequireLiteralValue
from numba.extending import intrinsic, models, register_model


class Vector(types.Type):
    """``width`` values of ``dtype`` in one LLVM vector (a register or two)."""

    def __init__(self, dtype, width):
        self.dtype, self.width = dtype, width
        super().__init__(name=f"Vector({dtype}, {width})")


@register_model(Vector)
class _VectorModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        element = dmm.lookup(fe_type.dtype).get_value_type()
        super().__init__(dmm, fe_type, ir.VectorType(element, fe_type.width))


def _element_pointer(context, builder, arrty, arr, i, k):
    array = context.make_array(arrty)(context, builder, arr)
    return cgutils.get_item_pointer(context, builder, arrty, array, [i, k])


def _splat(builder, value, vty):
    """``value`` in every lane of a vector of type ``vty``."""
    lanes = ir.Constant(vty, ir.Undefined)
    first = builder.insert_element(lanes, value, ir.IntType(32)(0))
    zeros = ir.Constant(ir.VectorType(ir.IntType(32), vty.count), [0] * vty.count)
    return builder.shuffle_vector(first, lanes, zeros)


@intrinsic
def vector(typingctx, arr, width):
    """A zero vector of ``width`` (a constant) values of ``arr``'s dtype; its
    type tells :func:`vload` which vector to load."""
    if not isinstance(width, types.IntegerLiteral):
        raise RequireLiteralValue(width)
    vt = Vector(arr.dtype, width.literal_value)

    def codegen(context, builder, sig, args):
        return ir.Constant(context.get_value_type(vt), None)

    return vt(arr, width), codegen


@intrinsic
def vload(typingctx, arr, i, k, like):
    """``arr[i, k : k + width]`` as a vector of ``like``'s type."""

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0], *args[1:3])
        vty = context.get_value_type(like)
        align = arr.dtype.bitwidth // 8
        return builder.load(builder.bitcast(ptr, vty.as_pointer()), align=align)

    return like(arr, i, k, like), codegen


@intrinsic
def vstore(typingctx, arr, i, k, v):
    """``arr[i, k : k + width] = v``."""

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0], *args[1:3])
        vec = args[3]
        align = arr.dtype.bitwidth // 8
        builder.store(vec, builder.bitcast(ptr, vec.type.as_pointer()), align=align)
        return context.get_dummy_value()

    return types.void(arr, i, k, v), codegen


@intrinsic
def vfma(typingctx, c, v, acc):
    """``acc + c v``, one fused multiply-add per lane (``c`` a scalar)."""

    def codegen(context, builder, sig, args):
        vty = args[1].type
        cv = context.cast(builder, args[0], sig.args[0], sig.args[1].dtype)
        name = "f64" if vty.element == ir.DoubleType() else "f32"
        fnty = ir.FunctionType(vty, [vty, vty, vty])
        fma = cgutils.get_or_insert_function(
            builder.module, fnty, f"llvm.fma.v{vty.count}{name}"
        )
        return builder.call(fma, [_splat(builder, cv, vty), args[1], args[2]])

    return acc(c, v, acc), codegen


@intrinsic
def vscale(typingctx, c, v):
    """``c v`` (``c`` a scalar)."""

    def codegen(context, builder, sig, args):
        vty = args[1].type
        cv = context.cast(builder, args[0], sig.args[0], sig.args[1].dtype)
        return builder.fmul(_splat(builder, cv, vty), args[1])

    return v(c, v), codegen
