//! Sizes and alignments as types: the arithmetic [`crate::format::tuple`]
//! pads tuples with, over each stored form's [`RawData::SizeMod16`] and
//! [`RawData::Align`](crate::RawData::Align).
//!
//! [`RawData::SizeMod16`]: crate::RawData::SizeMod16

use core::fmt;
use core::marker::PhantomData;

use bytemuck::Pod;

/// A size modulo 16, as a type (`R` is 0 to 15).
pub struct Mod16<const R: usize>;

/// An alignment (1, 2, 4, 8 or 16), as a type.
pub struct Align<const A: usize>;

/// An [`Align`]: one of 1, 2, 4, 8, 16.
#[diagnostic::on_unimplemented(message = "stored forms are aligned to at most 16 bytes")]
pub trait Alignment {
    /// The alignment modulo 16, a [`Mod16`].
    type Mod16;
}

/// The size modulo 16 of `N` values whose size is `M` modulo 16 (an array),
/// evaluated by [`EvalMod16`] only when a tuple needs it.
pub struct ArrayMod16<M, const N: usize>(PhantomData<M>);

/// The size modulo 16 of an `A` followed by a `B`, evaluated by [`EvalMod16`].
pub struct SumMod16<A, B>(PhantomData<(A, B)>);

/// A number of elements, as a type.
pub struct Count<const N: usize>;

/// Evaluates a size modulo 16 to a [`Mod16`].
#[diagnostic::on_unimplemented(
    message = "the size of this array cannot be computed for a tuple",
    note = "in a tuple, an array needs at most 256 elements unless its elements' size is a multiple of 16; use a struct with `#[derive(Mapped)]` instead"
)]
pub trait EvalMod16 {
    /// The [`Mod16`].
    type Out;
}

/// `Self + B` modulo 16.
pub trait AddMod16<B> {
    /// The sum, a [`Mod16`].
    type Out;
}

/// `Self × B` modulo 16.
pub trait MulMod16<B> {
    /// The product, a [`Mod16`].
    type Out;
}

/// `N` modulo 16, for a [`Count`] of at most 256.
#[diagnostic::on_unimplemented(
    message = "an array this long cannot be an element of a tuple",
    label = "in a tuple, an array needs at most 256 elements unless its elements' size is a multiple of 16",
    note = "use a struct with `#[derive(Mapped)]` instead of the tuple"
)]
pub trait CountMod16 {
    /// The remainder, a [`Mod16`].
    type Out;
}

/// The padding that brings an offset `Self` (modulo 16) to a multiple of `A`.
pub trait PadTo<A> {
    /// `[u8; padding]`.
    type Bytes: Pod + fmt::Debug;
    /// The offset after the padding, modulo 16.
    type After;
}

/// The larger of two [`Align`]s.
pub trait MaxAlign<B> {
    /// The larger one.
    type Out;
}

impl<const R: usize> EvalMod16 for Mod16<R> {
    type Out = Self;
}

impl<A: EvalMod16, B: EvalMod16> EvalMod16 for SumMod16<A, B>
where
    A::Out: AddMod16<B::Out>,
{
    type Out = <A::Out as AddMod16<B::Out>>::Out;
}

impl<M: EvalMod16, const N: usize> EvalMod16 for ArrayMod16<M, N>
where
    M::Out: Times<N>,
{
    type Out = <M::Out as Times<N>>::Out;
}

/// `N` copies of a size `Self` modulo 16.
#[diagnostic::on_unimplemented(
    message = "the size of this array cannot be computed for a tuple",
    note = "in a tuple, an array needs at most 256 elements unless its elements' size is a multiple of 16; use a struct with `#[derive(Mapped)]` instead"
)]
pub trait Times<const N: usize> {
    /// The product, a [`Mod16`].
    type Out;
}

impl<const N: usize> Times<N> for Mod16<0> {
    type Out = Mod16<0>;
}

/// The bytes from an offset `r` (modulo 16) to the next multiple of `align`.
const fn padding(r: usize, align: usize) -> usize {
    (align - r % align) % align
}

/// `r × s` modulo 16.
const fn product(r: usize, s: usize) -> usize {
    (r * s) % 16
}

macro_rules! residue_tables {
    ($($r:literal)*) => {
        $(residue_tables!(@row $r; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);)*
        $(residue_tables!(@pad $r; 1 2 4 8 16);)*
        residue_tables!(@times $($r)*);
        $(residue_tables!(@count $r; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);)*
        impl CountMod16 for Count<256> {
            type Out = Mod16<0>;
        }
    };
    (@row $r:literal; $($s:literal)*) => {$(
        impl AddMod16<Mod16<$s>> for Mod16<$r> {
            type Out = Mod16<{ ($r + $s) % 16 }>;
        }
        impl MulMod16<Mod16<$s>> for Mod16<$r> {
            type Out = Mod16<{ product($r, $s) }>;
        }
    )*};
    (@pad $r:literal; $($a:literal)*) => {$(
        impl PadTo<Align<$a>> for Mod16<$r> {
            type Bytes = [u8; padding($r, $a)];
            type After = Mod16<{ ($r + padding($r, $a)) % 16 }>;
        }
    )*};
    (@times $zero:literal $($r:literal)*) => {$(
        impl<const N: usize> Times<N> for Mod16<$r>
        where
            Count<N>: CountMod16,
            Mod16<$r>: MulMod16<<Count<N> as CountMod16>::Out>,
        {
            type Out = <Mod16<$r> as MulMod16<<Count<N> as CountMod16>::Out>>::Out;
        }
    )*};
    (@count $hi:literal; $($lo:literal)*) => {$(
        impl CountMod16 for Count<{ $hi * 16 + $lo }> {
            type Out = Mod16<$lo>;
        }
    )*};
}
residue_tables!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

macro_rules! align_tables {
    ($($a:literal)*) => {$(
        impl Alignment for Align<$a> {
            type Mod16 = Mod16<{ $a & 15 }>;
        }
        align_tables!(@row $a; 1 2 4 8 16);
    )*};
    (@row $a:literal; $($b:literal)*) => {$(
        impl MaxAlign<Align<$b>> for Align<$a> {
            type Out = Align<{ max($a, $b) }>;
        }
    )*};
}
align_tables!(1 2 4 8 16);
