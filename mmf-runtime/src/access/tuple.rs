//! [`Mapped`] for tuples of up to 12 elements, stored as [`RawTuple`], and
//! [`MapKey`] for tuples of keys.

use crate::__private::Message;
use crate::access::evolve::{Evolved, field_read, field_view};
use crate::access::file_ref::{FileMut, FileRef};
use core::cmp::Ordering;
use core::ptr::NonNull;

use crate::access::map::{MapKey, tuple_key_hash};
use crate::access::mapped::{Frozen, Inline, Mapped, Plain};
use crate::access::validate::Validator;
use crate::access::write::Writer;
use crate::format::error::Result;
use crate::format::layout::{FieldLayout, Kind, Layout};
use crate::format::tuple::{Arrange, RawTuple};

/// The name of a tuple type as Rust writes it: `(f64, String)`, `(u8,)`.
trait TupleName {
    const NAME: &'static Message;
}

macro_rules! tuples {
    ($(($($T:ident $i:tt $f:ident $E:ident),+);)*) => {$(
        impl<$($T: Mapped),+> TupleName for ($($T,)+) {
            const NAME: &'static Message = &Message::new()
                .text("(")
                $(.text(if $i == 0 { "" } else { ", " }).type_name($T::LAYOUT))+
                .text(if [$($i),+].len() == 1 { ",)" } else { ")" });
        }

        // SAFETY: the stored form is `RawTuple`, `Pod` without implicit
        // padding; `write` writes each element through its own `write` into a
        // zeroed stored form, `validate` validates each element, and views pass
        // the caller's promise on to each element. Elements' blocks are
        // disjoint (validation proves it), so the in-place views, each given
        // an alias of the file, never reach the same bytes.
        unsafe impl<$($T: Mapped),+> Mapped for ($($T,)+)
        where
            ($($T::Raw,)+): Arrange<$($E = $T::Raw),+> + 'static,
        {
            type Raw = RawTuple<($($T::Raw,)+)>;
            type View<'a> = ($($T::View<'a>,)+);
            type ViewMut<'a> = ($($T::ViewMut<'a>,)+);
            const LAYOUT: &'static Layout = &Layout {
                name: <Self as TupleName>::NAME.as_str(),
                size: {
                    let () = RawTuple::<($($T::Raw,)+)>::NO_GAPS;
                    size_of::<Self::Raw>()
                },
                align: align_of::<Self::Raw>(),
                kind: Kind::Struct(&[$(FieldLayout::new(
                    stringify!($i),
                    core::mem::offset_of!(<Self as Mapped>::Raw, $f),
                    $T::LAYOUT,
                )),+]), frozen: false,
            };
            const CHECKED: bool = false $(|| $T::CHECKED)+;
            const HAS_BLOCKS: bool = false $(|| $T::HAS_BLOCKS)+;

            #[inline]
            fn write(&self, w: &mut Writer<'_>) -> Self::Raw {
                let mut raw: Self::Raw = bytemuck::Zeroable::zeroed();
                $(raw.$f = self.$i.write(w);)+
                raw
            }
            unsafe fn write_reusing(
                &self,
                old: &Self::Raw,
                file: FileRef<'_>,
                w: &mut Writer<'_>,
            ) -> Self::Raw {
                let mut raw = *old;
                // SAFETY: the caller's promise covers every element.
                $(raw.$f = unsafe { self.$i.write_reusing(&old.$f, file, w) };)+
                raw
            }
            fn validate(raw: &Self::Raw, v: &mut Validator<'_>) -> Result<()> {
                $(v.field::<$T>(stringify!($i), &raw.$f)?;)+
                Ok(())
            }
            #[inline]
            unsafe fn view<'a>(raw: &'a Self::Raw, file: FileRef<'a>) -> Self::View<'a> {
                // SAFETY: the caller's promise, passed on to each element.
                ($(unsafe { $T::view(&raw.$f, file) },)+)
            }
            #[inline]
            unsafe fn view_mut<'a>(raw: &'a mut Self::Raw, file: FileMut<'a>) -> Self::ViewMut<'a> {
                // SAFETY: the caller's promise, passed on to each element; the
                // elements' blocks are disjoint, so the aliases of `file` never
                // hand out the same bytes twice.
                ($(unsafe { $T::view_mut(&mut raw.$f, file.alias()) },)+)
            }
            unsafe fn read(raw: &Self::Raw, file: FileRef<'_>) -> Self {
                // SAFETY: the caller's promise, passed on to each element.
                ($(unsafe { $T::read(&raw.$f, file) },)+)
            }
            #[inline]
            unsafe fn view_evolved<'a>(at: NonNull<u8>, how: &'a Evolved, file: FileRef<'a>) -> Self::View<'a> {
                // SAFETY: the caller's promise; element `i` is of type `$T`.
                ($(unsafe { field_view::<$T>(at, how, $i, file) },)+)
            }
            unsafe fn read_evolved(at: NonNull<u8>, how: &Evolved, file: FileRef<'_>) -> Self {
                // SAFETY: as in `view_evolved`.
                ($(unsafe { field_read::<$T>(at, how, $i, file) },)+)
            }
        }

        // SAFETY: the stored form is the elements' (any bits) and zero-length
        // or unchecked padding.
        unsafe impl<$($T: Plain),+> Plain for ($($T,)+)
        where
            ($($T::Raw,)+): Arrange<$($E = $T::Raw),+> + 'static,
        {}
        // SAFETY: inline elements allocate nothing.
        unsafe impl<$($T: Inline),+> Inline for ($($T,)+)
        where
            ($($T::Raw,)+): Arrange<$($E = $T::Raw),+> + 'static,
        {}
        // SAFETY: frozen elements are stored as the program stores them in
        // every file that opens (resolving lets no number in a tuple widen),
        // and so is a tuple of them.
        unsafe impl<$($T: Frozen),+> Frozen for ($($T,)+)
        where
            ($($T::Raw,)+): Arrange<$($E = $T::Raw),+> + 'static,
        {}

        // A tuple of keys orders as Rust orders tuples: element by element.
        impl<$($T: MapKey),+> MapKey for ($($T,)+)
        where
            ($($T::Raw,)+): Arrange<$($E = $T::Raw),+> + 'static,
        {
            type Query<'q>
                = ($($T::Query<'q>,)+)
            where
                Self: 'q;
            #[inline]
            fn as_query(&self) -> Self::Query<'_> {
                ($(self.$i.as_query(),)+)
            }
            fn compare_queries(a: &Self::Query<'_>, b: &Self::Query<'_>) -> Ordering {
                Ordering::Equal $(.then_with(|| $T::compare_queries(&a.$i, &b.$i)))+
            }
            fn query_hash(query: &Self::Query<'_>) -> u64 {
                tuple_key_hash([$($T::query_hash(&query.$i)),+])
            }
            fn compare(a: &Self::View<'_>, b: &Self::View<'_>) -> Ordering {
                Ordering::Equal $(.then_with(|| $T::compare(&a.$i, &b.$i)))+
            }
            fn key_hash(key: &Self::View<'_>) -> u64 {
                tuple_key_hash([$($T::key_hash(&key.$i)),+])
            }
            unsafe fn compare_stored(
                raw: &Self::Raw,
                file: FileRef<'_>,
                query: &Self::Query<'_>,
            ) -> Ordering {
                // SAFETY: the caller's promise covers every element.
                Ordering::Equal $(.then_with(|| unsafe { $T::compare_stored(&raw.$f, file, &query.$i) }))+
            }
        }
    )*};
}

tuples! {
    (A 0 _0 E0);
    (A 0 _0 E0, B 1 _1 E1);
    (A 0 _0 E0, B 1 _1 E1, C 2 _2 E2);
    (A 0 _0 E0, B 1 _1 E1, C 2 _2 E2, D 3 _3 E3);
    (A 0 _0 E0, B 1 _1 E1, C 2 _2 E2, D 3 _3 E3, E 4 _4 E4);
    (A 0 _0 E0, B 1 _1 E1, C 2 _2 E2, D 3 _3 E3, E 4 _4 E4, F 5 _5 E5);
    (A 0 _0 E0, B 1 _1 E1, C 2 _2 E2, D 3 _3 E3, E 4 _4 E4, F 5 _5 E5, G 6 _6 E6);
    (A 0 _0 E0, B 1 _1 E1, C 2 _2 E2, D 3 _3 E3, E 4 _4 E4, F 5 _5 E5, G 6 _6 E6, H 7 _7 E7);
    (A 0 _0 E0, B 1 _1 E1, C 2 _2 E2, D 3 _3 E3, E 4 _4 E4, F 5 _5 E5, G 6 _6 E6, H 7 _7 E7,
     I 8 _8 E8);
    (A 0 _0 E0, B 1 _1 E1, C 2 _2 E2, D 3 _3 E3, E 4 _4 E4, F 5 _5 E5, G 6 _6 E6, H 7 _7 E7,
     I 8 _8 E8, J 9 _9 E9);
    (A 0 _0 E0, B 1 _1 E1, C 2 _2 E2, D 3 _3 E3, E 4 _4 E4, F 5 _5 E5, G 6 _6 E6, H 7 _7 E7,
     I 8 _8 E8, J 9 _9 E9, K 10 _10 E10);
    (A 0 _0 E0, B 1 _1 E1, C 2 _2 E2, D 3 _3 E3, E 4 _4 E4, F 5 _5 E5, G 6 _6 E6, H 7 _7 E7,
     I 8 _8 E8, J 9 _9 E9, K 10 _10 E10, L 11 _11 E11);
}
