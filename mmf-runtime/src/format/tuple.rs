//! The stored form of tuples, [`RawTuple`], and the type-level arithmetic
//! that pads it.
//!
//! A tuple `(A, B, …)` is stored as a `#[repr(C)]` struct of its elements'
//! stored forms in order, with explicit zeroed padding wherever `repr(C)`
//! would leave a gap: the layout of `struct T(A, B, …)`. How much padding
//! goes where depends on the elements' sizes and alignments, and a generic
//! impl cannot put those in an array length on stable Rust. So every stored
//! form states its size modulo 16 and its alignment as types
//! ([`RawData::SizeMod16`], [`RawData::Align`]), and the padding is looked up
//! in tables over those types, element by element ([`Place`], [`Arrange`]).
//! Sizes modulo 16 suffice: no stored form is aligned to more than 16.
//!
//! ```
//! use mmf_runtime::Mapped;
//!
//! // `u8`, 3 bytes of padding, `u32`, `u16`, 2 bytes of padding: like a C struct.
//! assert_eq!(<(u8, u32, u16) as Mapped>::LAYOUT.size, 12);
//! ```

use core::fmt;
use core::marker::PhantomData;

use bytemuck::{Pod, Zeroable};

use crate::format::raw::RawData;

pub use crate::format::padding::*;

/// Where the next element of a tuple goes: the offset so far modulo 16, and
/// the largest alignment so far.
pub struct Cursor<M, A>(PhantomData<(M, A)>);

/// The cursor before a tuple's first element.
pub type Start = Cursor<Mod16<0>, Align<1>>;

/// Placing an element whose stored form is `R` at a cursor.
pub trait Place<R> {
    /// The padding before the element.
    type Pad: Pod + fmt::Debug;
    /// The cursor after it.
    type Next;
}

impl<M, A, R: RawData> Place<R> for Cursor<M, A>
where
    M: PadTo<R::Align>,
    R::SizeMod16: EvalMod16,
    <M as PadTo<R::Align>>::After: AddMod16<<R::SizeMod16 as EvalMod16>::Out>,
    A: MaxAlign<R::Align>,
{
    type Pad = <M as PadTo<R::Align>>::Bytes;
    type Next = Cursor<
        <<M as PadTo<R::Align>>::After as AddMod16<<R::SizeMod16 as EvalMod16>::Out>>::Out,
        <A as MaxAlign<R::Align>>::Out,
    >;
}

/// The end of a tuple: the padding after its last element, and its size and
/// alignment as [`RawData`] states them.
pub trait Finish {
    /// Padding up to a multiple of the largest alignment.
    type Tail: Pod + fmt::Debug;
    /// `[u8; align - 1]`: [`RawData::OptionPad`].
    type OptionPad: Pod + fmt::Debug;
    /// The tuple's size modulo 16.
    type SizeMod16;
    /// The tuple's alignment.
    type Align: Alignment;
}

impl<M: PadTo<A>, A: Alignment> Finish for Cursor<M, A>
where
    Mod16<1>: PadTo<A>,
{
    type Tail = <M as PadTo<A>>::Bytes;
    type OptionPad = <Mod16<1> as PadTo<A>>::Bytes;
    type SizeMod16 = <M as PadTo<A>>::After;
    type Align = A;
}

/// The cursor after placing `R` at `C`.
type After<C, R> = <C as Place<R>>::Next;

/// A tuple of stored forms `(R0, R1, …)`, up to 12, laid out: its elements
/// padded to 12 with `()`, the padding before each element after the first
/// (`P1` before `E1`, …), and after the last.
pub trait Arrange {
    /// The stored form of element 0.
    type E0: RawData;
    #[allow(missing_docs)]
    type E1: RawData;
    #[allow(missing_docs)]
    type E2: RawData;
    #[allow(missing_docs)]
    type E3: RawData;
    #[allow(missing_docs)]
    type E4: RawData;
    #[allow(missing_docs)]
    type E5: RawData;
    #[allow(missing_docs)]
    type E6: RawData;
    #[allow(missing_docs)]
    type E7: RawData;
    #[allow(missing_docs)]
    type E8: RawData;
    #[allow(missing_docs)]
    type E9: RawData;
    #[allow(missing_docs)]
    type E10: RawData;
    #[allow(missing_docs)]
    type E11: RawData;
    /// The padding before element 1.
    type P1: Pod + fmt::Debug;
    #[allow(missing_docs)]
    type P2: Pod + fmt::Debug;
    #[allow(missing_docs)]
    type P3: Pod + fmt::Debug;
    #[allow(missing_docs)]
    type P4: Pod + fmt::Debug;
    #[allow(missing_docs)]
    type P5: Pod + fmt::Debug;
    #[allow(missing_docs)]
    type P6: Pod + fmt::Debug;
    #[allow(missing_docs)]
    type P7: Pod + fmt::Debug;
    #[allow(missing_docs)]
    type P8: Pod + fmt::Debug;
    #[allow(missing_docs)]
    type P9: Pod + fmt::Debug;
    #[allow(missing_docs)]
    type P10: Pod + fmt::Debug;
    #[allow(missing_docs)]
    type P11: Pod + fmt::Debug;
    /// The padding after the last element.
    type Tail: Pod + fmt::Debug;
    /// `[u8; align - 1]`: [`RawData::OptionPad`].
    type OptionPad: Pod + fmt::Debug;
    /// The tuple's size modulo 16.
    type SizeMod16;
    /// The tuple's alignment.
    type Align: Alignment;
}

/// The cursor after placing every listed stored form, from [`Start`].
macro_rules! cursor {
    (@at $c:ty;) => { $c };
    (@at $c:ty; $r:ident $($rest:ident)*) => { cursor!(@at After<$c, $r>; $($rest)*) };
    ($($r:ident)*) => { cursor!(@at Start; $($r)*) };
}

/// `impl Arrange for (R0, …)`: `$done` are the elements placed so far, `$todo`
/// the rest; `$slots` and `$pads` the associated types not yet given.
macro_rules! arrange {
    (
        [$($all:ident)*] [$($done:ident)*] [] [$($slot:ident)*] [$($pad:ident)*]
        { $($items:tt)* } { $($bounds:tt)* }
    ) => {
        impl<$($all: RawData),*> Arrange for ($($all,)*)
        where
            $($bounds)*
            cursor!($($done)*): Finish,
        {
            $($items)*
            $(type $slot = ();)*
            $(type $pad = [u8; 0];)*
            type Tail = <cursor!($($done)*) as Finish>::Tail;
            type OptionPad = <cursor!($($done)*) as Finish>::OptionPad;
            type SizeMod16 = <cursor!($($done)*) as Finish>::SizeMod16;
            type Align = <cursor!($($done)*) as Finish>::Align;
        }
    };
    (
        [$($all:ident)*] [$($done:ident)+] [$next:ident $($todo:ident)*]
        [$slot:ident $($slots:ident)*] [$pad:ident $($pads:ident)*]
        { $($items:tt)* } { $($bounds:tt)* }
    ) => {
        arrange!(
            [$($all)*] [$($done)* $next] [$($todo)*] [$($slots)*] [$($pads)*]
            {
                $($items)*
                type $slot = $next;
                type $pad = <cursor!($($done)*) as Place<$next>>::Pad;
            }
            { $($bounds)* cursor!($($done)*): Place<$next>, }
        );
    };
    ($first:ident $($rest:ident)*) => {
        arrange!(
            [$first $($rest)*] [$first] [$($rest)*]
            [E1 E2 E3 E4 E5 E6 E7 E8 E9 E10 E11] [P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11]
            { type E0 = $first; } { Start: Place<$first>, }
        );
    };
}

arrange!(R0);
arrange!(R0 R1);
arrange!(R0 R1 R2);
arrange!(R0 R1 R2 R3);
arrange!(R0 R1 R2 R3 R4);
arrange!(R0 R1 R2 R3 R4 R5);
arrange!(R0 R1 R2 R3 R4 R5 R6);
arrange!(R0 R1 R2 R3 R4 R5 R6 R7);
arrange!(R0 R1 R2 R3 R4 R5 R6 R7 R8);
arrange!(R0 R1 R2 R3 R4 R5 R6 R7 R8 R9);
arrange!(R0 R1 R2 R3 R4 R5 R6 R7 R8 R9 R10);
arrange!(R0 R1 R2 R3 R4 R5 R6 R7 R8 R9 R10 R11);

/// The stored form of a tuple `(A, B, …)` of up to 12 elements, `T` the tuple
/// of their stored forms: `_0`, `_1`, … in order (`()` past the last element),
/// with zeroed padding where `#[repr(C)]` would leave a gap.
#[repr(C)]
pub struct RawTuple<T: Arrange> {
    /// The first element's stored form.
    pub _0: T::E0,
    pad1: T::P1,
    #[allow(missing_docs)]
    pub _1: T::E1,
    pad2: T::P2,
    #[allow(missing_docs)]
    pub _2: T::E2,
    pad3: T::P3,
    #[allow(missing_docs)]
    pub _3: T::E3,
    pad4: T::P4,
    #[allow(missing_docs)]
    pub _4: T::E4,
    pad5: T::P5,
    #[allow(missing_docs)]
    pub _5: T::E5,
    pad6: T::P6,
    #[allow(missing_docs)]
    pub _6: T::E6,
    pad7: T::P7,
    #[allow(missing_docs)]
    pub _7: T::E7,
    pad8: T::P8,
    #[allow(missing_docs)]
    pub _8: T::E8,
    pad9: T::P9,
    #[allow(missing_docs)]
    pub _9: T::E9,
    pad10: T::P10,
    #[allow(missing_docs)]
    pub _10: T::E10,
    pad11: T::P11,
    #[allow(missing_docs)]
    pub _11: T::E11,
    tail: T::Tail,
}

impl<T: Arrange> Clone for RawTuple<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Arrange> Copy for RawTuple<T> {}

impl<T: Arrange> fmt::Debug for RawTuple<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RawTuple")
            .field(&self._0)
            .field(&self._1)
            .field(&self._2)
            .field(&self._3)
            .field(&self._4)
            .field(&self._5)
            .field(&self._6)
            .field(&self._7)
            .field(&self._8)
            .field(&self._9)
            .field(&self._10)
            .field(&self._11)
            .finish()
    }
}

// SAFETY: `repr(C)` places the fields in order. `Arrange`'s padding types are
// computed from every element's `RawData::SizeMod16` and `RawData::Align`
// (true by `RawData`'s contract) so that each element starts at the next
// multiple of its alignment, as `repr(C)` would place it anyway, and the tail
// reaches a multiple of the largest alignment: there is no implicit padding
// (`RawTuple::NO_GAPS`, evaluated by every tuple's `Mapped::LAYOUT`, checks it). Every field is `Pod`.
unsafe impl<T: Arrange + 'static> Zeroable for RawTuple<T> {}
// SAFETY: as for `Zeroable`.
unsafe impl<T: Arrange + 'static> Pod for RawTuple<T> {}
// SAFETY: `SizeMod16` and `Align` are the tuple's, as `Finish` computes them;
// the option padding is `align - 1` bytes (`PadTo` from offset 1).
unsafe impl<T: Arrange + 'static> RawData for RawTuple<T> {
    type OptionPad = T::OptionPad;
    type SizeMod16 = T::SizeMod16;
    type Align = T::Align;
}

impl<T: Arrange> RawTuple<T> {
    /// `()`, or a build error if the stored form has implicit padding (its
    /// size is not the sum of its fields'), which `Arrange` rules out.
    pub(crate) const NO_GAPS: () = assert!(
        size_of::<Self>()
            == size_of::<T::E0>()
                + size_of::<T::E1>()
                + size_of::<T::E2>()
                + size_of::<T::E3>()
                + size_of::<T::E4>()
                + size_of::<T::E5>()
                + size_of::<T::E6>()
                + size_of::<T::E7>()
                + size_of::<T::E8>()
                + size_of::<T::E9>()
                + size_of::<T::E10>()
                + size_of::<T::E11>()
                + size_of::<T::P1>()
                + size_of::<T::P2>()
                + size_of::<T::P3>()
                + size_of::<T::P4>()
                + size_of::<T::P5>()
                + size_of::<T::P6>()
                + size_of::<T::P7>()
                + size_of::<T::P8>()
                + size_of::<T::P9>()
                + size_of::<T::P10>()
                + size_of::<T::P11>()
                + size_of::<T::Tail>(),
        "a tuple's stored form has implicit padding"
    );
}
