//! [`Mapped`] for the built-in types of the type table.

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::access::evolve::{Evolved, Number, Shape, Spread, boxed_at, never_evolved, widened};
use crate::access::file_ref::{FileMut, FileRef};
use crate::access::mapped::{Frozen, Inline, Mapped, Plain};
use crate::access::validate::Validator;
use crate::access::view::{ListView, ListViewMut, ValueMut};
use crate::access::write::Writer;
use crate::format::error::{Error, PathSegment, Problem, Result};
use crate::format::layout::{Kind, Layout, Scalar};
use crate::format::raw::{RawBox, RawData, RawOption, RawStr, RawVec};

macro_rules! numbers {
    ($($t:ident => $scalar:ident),* $(,)?) => {$(
        // SAFETY: a number is its own stored form: every bit pattern is valid, and
        // it holds no offsets.
        unsafe impl Mapped for $t {
            type Raw = $t;
            type View<'a> = $t;
            type ViewMut<'a> = &'a mut $t;
            const LAYOUT: &'static Layout = &Layout {
                name: stringify!($t),
                size: size_of::<$t>(),
                align: align_of::<$t>(),
                kind: Kind::Scalar(Scalar::$scalar), frozen: false,
            };
            const CHECKED: bool = false;
            const HAS_BLOCKS: bool = false;
            #[inline]
            fn write(&self, _: &mut Writer<'_>) -> $t {
                *self
            }
            #[inline]
            fn validate(_: &$t, _: &mut Validator<'_>) -> Result<()> {
                Ok(())
            }
            #[inline]
            unsafe fn view<'a>(raw: &'a $t, _: FileRef<'a>) -> $t {
                *raw
            }
            #[inline]
            unsafe fn view_mut<'a>(raw: &'a mut $t, _: FileMut<'a>) -> &'a mut $t {
                raw
            }
            #[inline]
            unsafe fn read(raw: &$t, _: FileRef<'_>) -> $t {
                *raw
            }
            #[inline]
            unsafe fn view_evolved<'a>(at: NonNull<u8>, how: &'a Evolved, _: FileRef<'a>) -> $t {
                // SAFETY: the caller's promise: `at` is the narrower number.
                match unsafe { widened(at, how) } {
                    // Resolving widens only to a number of the same kind that
                    // holds every value of the narrower one.
                    Number::Unsigned(n) => n as $t,
                    Number::Signed(n) => n as $t,
                    Number::Float(n) => n as $t,
                }
            }
            unsafe fn read_evolved(at: NonNull<u8>, how: &Evolved, file: FileRef<'_>) -> $t {
                // SAFETY: the caller's promise, passed on.
                unsafe { Self::view_evolved(at, how, file) }
            }
        }
        // SAFETY: every bit pattern of a number is a valid number.
        unsafe impl Plain for $t {}
        // SAFETY: a list's element is never widened (resolving refuses it).
        unsafe impl Frozen for $t {}
        // SAFETY: `write` allocates nothing.
        unsafe impl Inline for $t {}
    )*};
}

numbers! {
    u8 => U8, u16 => U16, u32 => U32, u64 => U64, u128 => U128,
    i8 => I8, i16 => I16, i32 => I32, i64 => I64, i128 => I128,
    f32 => F32, f64 => F64,
}

// SAFETY: stored as one byte; `validate` accepts only 0 and 1 and views read any
// other byte as `true`, so no bit pattern can do harm; no offsets.
unsafe impl Mapped for bool {
    type Raw = u8;
    type View<'a> = bool;
    type ViewMut<'a> = ValueMut<'a, bool>;
    const LAYOUT: &'static Layout = &Layout {
        name: "bool",
        size: 1,
        align: 1,
        kind: Kind::Scalar(Scalar::Bool),
        frozen: false,
    };
    const CHECKED: bool = true;
    const HAS_BLOCKS: bool = false;
    #[inline]
    fn write(&self, _: &mut Writer<'_>) -> u8 {
        u8::from(*self)
    }
    fn validate(raw: &u8, v: &mut Validator<'_>) -> Result<()> {
        match *raw {
            0 | 1 => Ok(()),
            value => Err(Error::invalid(Problem::InvalidBool { offset: v.offset_of(raw), value })),
        }
    }
    #[inline]
    unsafe fn view<'a>(raw: &'a u8, _: FileRef<'a>) -> bool {
        *raw != 0
    }
    unsafe fn view_mut<'a>(raw: &'a mut u8, _: FileMut<'a>) -> ValueMut<'a, bool> {
        ValueMut::new(raw)
    }
    #[inline]
    unsafe fn read(raw: &u8, _: FileRef<'_>) -> bool {
        *raw != 0
    }
}
// SAFETY: `write` allocates nothing.
unsafe impl Inline for bool {}
// SAFETY: stored as one byte in every file.
unsafe impl Frozen for bool {}

// SAFETY: stored as a `u32`; `validate` accepts only scalar values and views read
// any other value as U+FFFD, so no bit pattern can do harm; no offsets.
unsafe impl Mapped for char {
    type Raw = u32;
    type View<'a> = char;
    type ViewMut<'a> = ValueMut<'a, char>;
    const LAYOUT: &'static Layout = &Layout {
        name: "char",
        size: 4,
        align: 4,
        kind: Kind::Scalar(Scalar::Char),
        frozen: false,
    };
    const CHECKED: bool = true;
    const HAS_BLOCKS: bool = false;
    #[inline]
    fn write(&self, _: &mut Writer<'_>) -> u32 {
        u32::from(*self)
    }
    fn validate(raw: &u32, v: &mut Validator<'_>) -> Result<()> {
        match char::from_u32(*raw) {
            Some(_) => Ok(()),
            None => {
                Err(Error::invalid(Problem::InvalidChar { offset: v.offset_of(raw), value: *raw }))
            }
        }
    }
    #[inline]
    unsafe fn view<'a>(raw: &'a u32, _: FileRef<'a>) -> char {
        char::from_u32(*raw).unwrap_or(char::REPLACEMENT_CHARACTER)
    }
    unsafe fn view_mut<'a>(raw: &'a mut u32, _: FileMut<'a>) -> ValueMut<'a, char> {
        ValueMut::new(raw)
    }
    #[inline]
    unsafe fn read(raw: &u32, _: FileRef<'_>) -> char {
        char::from_u32(*raw).unwrap_or(char::REPLACEMENT_CHARACTER)
    }
}
// SAFETY: `write` allocates nothing.
unsafe impl Inline for char {}
// SAFETY: stored as a `u32` in every file.
unsafe impl Frozen for char {}

/// Writes UTF-8 text as a block and returns its stored form.
fn write_str(s: &str, w: &mut Writer<'_>) -> RawStr {
    if s.is_empty() {
        return RawStr::default();
    }
    let offset = w.alloc(s.len() as u64, 1);
    w.put_bytes(offset, s.as_bytes());
    RawStr { offset, len: s.len() as u64 }
}

macro_rules! strings {
    ($($t:ty => $from:expr),*) => {$(
        // SAFETY: `write` allocates the text's block; `validate` checks bounds and
        // UTF-8 and records the block; views resolve it through checked
        // `FileRef::str` and never hand out `&mut` to its bytes.
        unsafe impl Mapped for $t {
            type Raw = RawStr;
            type View<'a> = &'a str;
            type ViewMut<'a> = &'a str;
            const LAYOUT: &'static Layout = &Layout { name: "str", size: 16, align: 8, kind: Kind::Str, frozen: false };
            const CHECKED: bool = true;
            const HAS_BLOCKS: bool = true;
            #[inline]
            fn write(&self, w: &mut Writer<'_>) -> RawStr {
                write_str(self, w)
            }
            unsafe fn write_reusing(&self, old: &RawStr, file: FileRef<'_>, w: &mut Writer<'_>) -> RawStr {
                // SAFETY: the caller's promise: no `&mut` to the old text is live.
                let unchanged = !self.is_empty() && unsafe { file.str(old.offset, old.len) } == &**self;
                if unchanged { *old } else { write_str(self, w) }
            }
            fn validate(raw: &RawStr, v: &mut Validator<'_>) -> Result<()> {
                v.str(raw.offset, raw.len).map(drop)
            }
            #[inline]
            unsafe fn view<'a>(raw: &'a RawStr, file: FileRef<'a>) -> &'a str {
                // SAFETY: the caller's promise: no `&mut` to the text's bytes is live.
                unsafe { file.str(raw.offset, raw.len) }
            }
            #[inline]
            unsafe fn view_mut<'a>(raw: &'a mut RawStr, file: FileMut<'a>) -> &'a str {
                // SAFETY: the caller promises the text's bytes are referenced by
                // nothing else for `'a`; they are only read.
                unsafe { file.block_mut::<u8>(raw.offset, raw.len) }
                    .and_then(|bytes| core::str::from_utf8(bytes).ok())
                    .unwrap_or_default()
            }
            unsafe fn read(raw: &RawStr, file: FileRef<'_>) -> $t {
                // SAFETY: the caller's promise, as for `view`.
                let s = unsafe { file.str(raw.offset, raw.len) };
                ($from)(s)
            }
        }
            // SAFETY: stored as an offset and a length in every file.
        unsafe impl Frozen for $t {}
)*};
}

strings!(String => String::from, Box<str> => Box::<str>::from);

/// Writes a list's block and returns its stored form.
fn write_list<T: Mapped>(items: &[T], w: &mut Writer<'_>) -> RawVec<T::Raw> {
    if items.is_empty() {
        return RawVec::default();
    }
    let size = size_of::<T::Raw>() as u64;
    let offset = w.alloc(size * items.len() as u64, align_of::<T::Raw>() as u64);
    if w.is_measuring() && !T::HAS_BLOCKS {
        return RawVec::new(offset, items.len() as u64);
    }
    for (i, item) in items.iter().enumerate() {
        let raw = item.write(w);
        w.put(offset + i as u64 * size, &raw);
    }
    RawVec::new(offset, items.len() as u64)
}

/// Writes a list's block unless `old`, in `file`, holds the same elements; reuses
/// the elements' unchanged blocks either way.
///
/// # Safety
///
/// As for [`Mapped::write_reusing`].
unsafe fn write_list_reusing<T: Mapped>(
    items: &[T],
    old: &RawVec<T::Raw>,
    file: FileRef<'_>,
    w: &mut Writer<'_>,
) -> RawVec<T::Raw> {
    if items.is_empty() {
        return RawVec::default();
    }
    // SAFETY: the caller's promise covers the old list's block.
    let old_items = unsafe { file.block::<T::Raw>(old.offset, old.len) }.unwrap_or_default();
    if !T::HAS_BLOCKS {
        // Elements allocate nothing: compare their stored forms, keep or rewrite.
        let same = old_items.len() == items.len() && same_inline_items(items, old_items);
        return if same { *old } else { write_list(items, w) };
    }
    let raws: Vec<T::Raw> = items
        .iter()
        .enumerate()
        .map(|(i, item)| match old_items.get(i) {
            // SAFETY: the caller's promise covers every old element's blocks.
            Some(old) => unsafe { item.write_reusing(old, file, w) },
            None => item.write(w),
        })
        .collect();
    if old_items.len() == raws.len() && raws.iter().zip(old_items).all(|(a, b)| same_raw(a, b)) {
        return *old;
    }
    let offset = w.alloc(size_of_val(&raws[..]) as u64, align_of::<T::Raw>() as u64);
    w.put_slice(offset, &raws);
    RawVec::new(offset, raws.len() as u64)
}

/// Whether elements that allocate nothing have the stored forms `old`: compared
/// a chunk at a time, one `memcmp` per chunk.
fn same_inline_items<T: Mapped>(items: &[T], old: &[T::Raw]) -> bool {
    const CHUNK: usize = 64;
    let mut w = Writer::inline();
    items.chunks(CHUNK).zip(old.chunks(CHUNK)).all(|(items, old)| {
        let mut raws = [<T::Raw as bytemuck::Zeroable>::zeroed(); CHUNK];
        for (raw, item) in raws.iter_mut().zip(items) {
            *raw = item.write(&mut w);
        }
        bytemuck::cast_slice::<_, u8>(&raws[..items.len()]) == bytemuck::cast_slice::<_, u8>(old)
    })
}

/// Whether two stored forms have the same bytes.
fn same_raw<R: RawData>(a: &R, b: &R) -> bool {
    bytemuck::bytes_of(a) == bytemuck::bytes_of(b)
}

/// Validates a list's block and elements.
fn validate_list<T: Mapped>(raw: &RawVec<T::Raw>, v: &mut Validator<'_>) -> Result<()> {
    let items = v.block::<T::Raw>(raw.offset, raw.len)?;
    v.elements::<T>(items)
}

/// # Safety
///
/// As for [`Mapped::view`].
unsafe fn view_list<'a, T: Mapped>(raw: &RawVec<T::Raw>, file: FileRef<'a>) -> ListView<'a, T> {
    // SAFETY: the caller's promise covers the list's block and everything
    // reachable from its elements.
    unsafe {
        let items = match file.block::<T::Raw>(raw.offset, raw.len) {
            Some(items) => items,
            None => no_items(),
        };
        ListView::new(items, file)
    }
}

/// The elements of a list whose block does not resolve (the file changed
/// after it was validated): none. Out of line and opaque to the optimizer
/// (`black_box`), so that checking a block stays a branch the processor
/// predicts: folded into a select, the check would make every element's
/// address wait for the list's length to load.
#[cold]
#[inline(never)]
fn no_items<'a, R>() -> &'a [R] {
    core::hint::black_box(&[])
}

/// # Safety
///
/// As for [`Mapped::view_mut`].
unsafe fn view_list_mut<'a, T: Mapped>(
    raw: &RawVec<T::Raw>,
    file: FileMut<'a>,
) -> ListViewMut<'a, T> {
    // SAFETY: the caller promises the list's block and its elements' blocks are
    // disjoint and referenced by nothing else for `'a`.
    unsafe {
        let items = file.alias().block_mut::<T::Raw>(raw.offset, raw.len).unwrap_or_default();
        ListViewMut::new(items, file)
    }
}

/// A list whose elements the file stores otherwise than the program.
///
/// # Safety
///
/// As for [`Mapped::view_evolved`], with `at` a list's stored form.
unsafe fn view_spread_list<'a, T: Mapped>(
    at: NonNull<u8>,
    how: &'a Evolved,
    file: FileRef<'a>,
) -> ListView<'a, T> {
    let Shape::List(elements) = &how.shape else { never_evolved("Vec") };
    // SAFETY: a list's stored form is a `RawVec` in every file; the caller's
    // promise covers its block, which `Spread::resolve` checks again.
    unsafe {
        let raw = at.cast::<RawVec<T::Raw>>().as_ref();
        ListView::spread(Spread::resolve(file, raw.offset, raw.len, elements), file)
    }
}

macro_rules! lists {
    ($($t:ty => $from:expr),*) => {$(
        // SAFETY: `write` allocates the list's block and its elements' blocks;
        // `validate` checks the block's bounds, alignment and overflow, records it,
        // and validates each element; views resolve it through checked `FileRef`.
        unsafe impl<T: Mapped> Mapped for $t {
            type Raw = RawVec<T::Raw>;
            type View<'a> = ListView<'a, T>;
            type ViewMut<'a> = ListViewMut<'a, T>;
            const LAYOUT: &'static Layout = {
                // A list of zero-sized elements could claim any length in no bytes.
                assert!(
                    size_of::<T::Raw>() > 0,
                    "mmf cannot store lists of zero-sized types: give the element type a field"
                );
                &Layout { name: "Vec", size: 16, align: 8, kind: Kind::List(T::LAYOUT), frozen: false }
            };
            const CHECKED: bool = true;
            const HAS_BLOCKS: bool = true;
            const EVOLVES_INLINE: bool = true;
            #[inline]
            fn write(&self, w: &mut Writer<'_>) -> Self::Raw {
                write_list(self, w)
            }
            unsafe fn write_reusing(&self, old: &Self::Raw, file: FileRef<'_>, w: &mut Writer<'_>) -> Self::Raw {
                // SAFETY: the caller's promise, passed on.
                unsafe { write_list_reusing(self, old, file, w) }
            }
            fn validate(raw: &Self::Raw, v: &mut Validator<'_>) -> Result<()> {
                validate_list::<T>(raw, v)
            }
            #[inline]
            unsafe fn view<'a>(raw: &'a Self::Raw, file: FileRef<'a>) -> ListView<'a, T> {
                // SAFETY: the caller's promise, passed on.
                unsafe { view_list(raw, file) }
            }
            #[inline]
            unsafe fn view_mut<'a>(raw: &'a mut Self::Raw, file: FileMut<'a>) -> ListViewMut<'a, T> {
                // SAFETY: the caller's promise, passed on.
                unsafe { view_list_mut(raw, file) }
            }
            unsafe fn read(raw: &Self::Raw, file: FileRef<'_>) -> Self {
                // SAFETY: the caller's promise, passed on.
                ($from)(unsafe { view_list::<T>(raw, file) }.to_vec())
            }
            #[inline]
            unsafe fn view_evolved<'a>(at: NonNull<u8>, how: &'a Evolved, file: FileRef<'a>) -> ListView<'a, T> {
                // SAFETY: the caller's promise, passed on.
                unsafe { view_spread_list(at, how, file) }
            }
            unsafe fn read_evolved(at: NonNull<u8>, how: &Evolved, file: FileRef<'_>) -> Self {
                // SAFETY: the caller's promise, passed on.
                ($from)(unsafe { view_spread_list::<T>(at, how, file) }.to_vec())
            }
        }
        // SAFETY: stored as an offset and a length in every file.
        unsafe impl<T: Mapped> Frozen for $t {}
    )*};
}

lists!(Vec<T> => core::convert::identity, Box<[T]> => Vec::into_boxed_slice);

/// The stored form a box points to. If its offset no longer resolves — only
/// possible if the file changed after validation — other bytes inside the
/// file, or zeroes: a wrong value, never a read outside the file.
///
/// # Safety
///
/// As for [`Mapped::view`].
unsafe fn boxed<R: RawData>(offset: u64, file: FileRef<'_>) -> &R {
    // SAFETY: the caller's promise covers the block; the fallback reads
    // other bytes of the same file, which shared views may alias.
    let found = unsafe {
        file.block::<R>(offset, 1).or_else(|| {
            let last =
                (file.len().saturating_sub(size_of::<R>() as u64)) & !(align_of::<R>() as u64 - 1);
            file.block::<R>(last, 1)
        })
    };
    match found {
        Some([value]) => value,
        _ => zeroed_for_ever(),
    }
}

/// A zeroed stored form that lives for ever: the last resort of a box whose
/// block is gone (see [`boxed`]), leaked once per call on that path only.
fn zeroed_for_ever<R: RawData>() -> &'static mut R {
    Box::leak(Box::new(R::zeroed()))
}

/// A value stored out of line, as in a `Box`, held by value: what generated
/// code stores a generic struct's fields of a type parameter's type as, so
/// that the struct's layout does not depend on the parameter. `Box<T>` is
/// stored the same way.
#[doc(hidden)]
#[repr(transparent)]
pub struct Indirect<T>(pub T);

impl<T> Indirect<T> {
    /// `value`, seen as an `Indirect`.
    #[inline]
    pub fn wrap(value: &T) -> &Indirect<T> {
        // SAFETY: `Indirect<T>` is `repr(transparent)` over `T`: same size,
        // alignment and validity, so the reference may be reinterpreted.
        unsafe { &*(value as *const T).cast::<Indirect<T>>() }
    }
}

// SAFETY: `write` allocates the value's block (then its own blocks) and stores
// its offset; `validate` checks and records the block and validates the value
// in it; views resolve it through checked `FileRef`/`FileMut`, falling back to
// other bytes or zeroes if it stopped resolving, never outside the file.
unsafe impl<T: Mapped> Mapped for Indirect<T> {
    type Raw = RawBox<T::Raw>;
    type View<'a> = T::View<'a>;
    type ViewMut<'a> = T::ViewMut<'a>;
    const LAYOUT: &'static Layout = {
        assert!(
            size_of::<T::Raw>() > 0,
            "mmf cannot box zero-sized types: give the boxed type a field"
        );
        &Layout { name: "Box", size: 8, align: 8, kind: Kind::Box(T::LAYOUT), frozen: false }
    };
    const CHECKED: bool = true;
    const HAS_BLOCKS: bool = true;
    #[inline]
    fn write(&self, w: &mut Writer<'_>) -> Self::Raw {
        let offset = w.alloc(size_of::<T::Raw>() as u64, align_of::<T::Raw>() as u64);
        let raw = self.0.write(w);
        w.put(offset, &raw);
        RawBox::new(offset)
    }
    unsafe fn write_reusing(
        &self,
        old: &Self::Raw,
        file: FileRef<'_>,
        w: &mut Writer<'_>,
    ) -> Self::Raw {
        // SAFETY: the caller's promise covers the old box's block.
        let Some([old_value]) = (unsafe { file.block::<T::Raw>(old.offset, 1) }) else {
            return self.write(w);
        };
        // SAFETY: as above, for everything reachable from the old value.
        let raw = unsafe { self.0.write_reusing(old_value, file, w) };
        if same_raw(&raw, old_value) {
            return *old;
        }
        let offset = w.alloc(size_of::<T::Raw>() as u64, align_of::<T::Raw>() as u64);
        w.put(offset, &raw);
        RawBox::new(offset)
    }
    fn validate(raw: &Self::Raw, v: &mut Validator<'_>) -> Result<()> {
        let value = v.block::<T::Raw>(raw.offset, 1)?;
        value.iter().try_for_each(|value| T::validate(value, v))
    }
    #[inline]
    unsafe fn view<'a>(raw: &'a Self::Raw, file: FileRef<'a>) -> T::View<'a> {
        // SAFETY: the caller's promise, passed on to the value.
        unsafe { T::view(boxed(raw.offset, file), file) }
    }
    #[inline]
    unsafe fn view_mut<'a>(raw: &'a mut Self::Raw, file: FileMut<'a>) -> T::ViewMut<'a> {
        // SAFETY: the caller promises the box's block is referenced by nothing
        // else for `'a`, nor are the value's blocks; a zeroed value made here
        // aliases nothing.
        unsafe {
            let value = match file.alias().block_mut::<T::Raw>(raw.offset, 1) {
                Some([value]) => value,
                _ => zeroed_for_ever(),
            };
            T::view_mut(value, file)
        }
    }
    unsafe fn read(raw: &Self::Raw, file: FileRef<'_>) -> Self {
        // SAFETY: the caller's promise, passed on to the value.
        Indirect(unsafe { T::read(boxed(raw.offset, file), file) })
    }
    #[inline]
    unsafe fn view_evolved<'a>(
        at: NonNull<u8>,
        how: &'a Evolved,
        file: FileRef<'a>,
    ) -> T::View<'a> {
        // SAFETY: a box's stored form is a `RawBox` in every file; the caller's
        // promise covers the value, which `boxed_at` resolves with checks.
        unsafe {
            let (at, how, file) = boxed_at(file, at.cast::<RawBox<T::Raw>>().as_ref().offset, how);
            T::view_evolved(at, how, file)
        }
    }
    unsafe fn read_evolved(at: NonNull<u8>, how: &Evolved, file: FileRef<'_>) -> Self {
        // SAFETY: as in `view_evolved`.
        unsafe {
            let (at, how, file) = boxed_at(file, at.cast::<RawBox<T::Raw>>().as_ref().offset, how);
            Indirect(T::read_evolved(at, how, file))
        }
    }
}

// SAFETY: stored as an offset in every file.
unsafe impl<T: Mapped> Frozen for Indirect<T> {}

// SAFETY: stored as `Indirect<T>`, whose promises these pass on.
unsafe impl<T: Mapped> Mapped for Box<T> {
    type Raw = RawBox<T::Raw>;
    type View<'a> = T::View<'a>;
    type ViewMut<'a> = T::ViewMut<'a>;
    const LAYOUT: &'static Layout = Indirect::<T>::LAYOUT;
    const CHECKED: bool = true;
    const HAS_BLOCKS: bool = true;
    #[inline]
    fn write(&self, w: &mut Writer<'_>) -> Self::Raw {
        Indirect::wrap(&**self).write(w)
    }
    unsafe fn write_reusing(
        &self,
        old: &Self::Raw,
        file: FileRef<'_>,
        w: &mut Writer<'_>,
    ) -> Self::Raw {
        // SAFETY: the caller's promise, passed on.
        unsafe { Indirect::wrap(&**self).write_reusing(old, file, w) }
    }
    fn validate(raw: &Self::Raw, v: &mut Validator<'_>) -> Result<()> {
        Indirect::<T>::validate(raw, v)
    }
    #[inline]
    unsafe fn view<'a>(raw: &'a Self::Raw, file: FileRef<'a>) -> T::View<'a> {
        // SAFETY: the caller's promise, passed on.
        unsafe { Indirect::<T>::view(raw, file) }
    }
    #[inline]
    unsafe fn view_mut<'a>(raw: &'a mut Self::Raw, file: FileMut<'a>) -> T::ViewMut<'a> {
        // SAFETY: the caller's promise, passed on.
        unsafe { Indirect::<T>::view_mut(raw, file) }
    }
    unsafe fn read(raw: &Self::Raw, file: FileRef<'_>) -> Self {
        // SAFETY: the caller's promise, passed on.
        Box::new(unsafe { Indirect::<T>::read(raw, file) }.0)
    }
    #[inline]
    unsafe fn view_evolved<'a>(
        at: NonNull<u8>,
        how: &'a Evolved,
        file: FileRef<'a>,
    ) -> T::View<'a> {
        // SAFETY: the caller's promise, passed on.
        unsafe { Indirect::<T>::view_evolved(at, how, file) }
    }
    unsafe fn read_evolved(at: NonNull<u8>, how: &Evolved, file: FileRef<'_>) -> Self {
        // SAFETY: the caller's promise, passed on.
        Box::new(unsafe { Indirect::<T>::read_evolved(at, how, file) }.0)
    }
}

// SAFETY: stored as an offset in every file.
unsafe impl<T: Mapped> Frozen for Box<T> {}

/// What a recursive type's offset table names for the type itself inside
/// its own fields: the derive lists `children: Vec<Node>` with the layout of
/// `Vec<Recur<Node>>`, which ends in a [`Kind::Recursive`] where `Node`'s
/// whole layout would start again without end. Never a value: only its
/// `LAYOUT` is used.
#[doc(hidden)]
pub enum Recur<T> {
    #[doc(hidden)]
    Never(core::convert::Infallible, PhantomData<T>),
}

/// A recursive type's name, for [`Recur`]'s layout; implemented by the derive.
#[doc(hidden)]
pub trait RecursiveType: Mapped {
    const NAME: &'static str;
}

// SAFETY: no value of `Recur<T>` exists; a stored form is `T`'s and is
// validated and viewed as `T` validates and views it.
unsafe impl<T: RecursiveType> Mapped for Recur<T> {
    type Raw = T::Raw;
    type View<'a> = T::View<'a>;
    type ViewMut<'a> = T::ViewMut<'a>;
    const LAYOUT: &'static Layout = &Layout {
        name: T::NAME,
        size: size_of::<T::Raw>(),
        align: align_of::<T::Raw>(),
        kind: Kind::Recursive,
        frozen: false,
    };
    const CHECKED: bool = true;
    const HAS_BLOCKS: bool = true;
    fn write(&self, _: &mut Writer<'_>) -> T::Raw {
        match self {
            Recur::Never(never, _) => match *never {},
        }
    }
    fn validate(raw: &T::Raw, v: &mut Validator<'_>) -> Result<()> {
        T::validate(raw, v)
    }
    unsafe fn view<'a>(raw: &'a T::Raw, file: FileRef<'a>) -> T::View<'a> {
        // SAFETY: the caller's promise, passed on.
        unsafe { T::view(raw, file) }
    }
    unsafe fn view_mut<'a>(raw: &'a mut T::Raw, file: FileMut<'a>) -> T::ViewMut<'a> {
        // SAFETY: the caller's promise, passed on.
        unsafe { T::view_mut(raw, file) }
    }
    unsafe fn read(_: &T::Raw, _: FileRef<'_>) -> Self {
        unreachable!("`Recur` has no values: generated code stores no field as one")
    }
}

/// A unit stand-in, stored as nothing. Generated code measures a generic
/// struct's fields with their type parameters replaced by it, which gives the
/// sizes of every instantiation (fields whose layout would depend on a
/// parameter are stored out of line, and a compile-time check compares the
/// two); a set is written as a map of it, with no values.
#[doc(hidden)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Proxy;

// SAFETY: a unit value: nothing stored, nothing to check.
unsafe impl Mapped for Proxy {
    type Raw = ();
    type View<'a> = ();
    type ViewMut<'a> = ();
    const LAYOUT: &'static Layout =
        &Layout { name: "Proxy", size: 0, align: 1, kind: Kind::Struct(&[]), frozen: false };
    const CHECKED: bool = false;
    const HAS_BLOCKS: bool = false;
    fn write(&self, _: &mut Writer<'_>) {}
    fn validate(_: &(), _: &mut Validator<'_>) -> Result<()> {
        Ok(())
    }
    unsafe fn view<'a>(_: &'a (), _: FileRef<'a>) {}
    unsafe fn view_mut<'a>(_: &'a mut (), _: FileMut<'a>) {}
    unsafe fn read(_: &(), _: FileRef<'_>) -> Self {
        Proxy
    }
}

// SAFETY: the elements are stored inline, one after the other; `validate` checks
// each; views hand the caller's promise on to each element.
unsafe impl<T: Mapped, const N: usize> Mapped for [T; N] {
    type Raw = [T::Raw; N];
    type View<'a> = ListView<'a, T>;
    type ViewMut<'a> = ListViewMut<'a, T>;
    const LAYOUT: &'static Layout = &Layout {
        name: "array",
        size: size_of::<[T::Raw; N]>(),
        align: align_of::<[T::Raw; N]>(),
        kind: Kind::Array { element: T::LAYOUT, len: N },
        frozen: false,
    };
    const CHECKED: bool = T::CHECKED && N > 0;
    const HAS_BLOCKS: bool = T::HAS_BLOCKS && N > 0;
    #[inline]
    fn write(&self, w: &mut Writer<'_>) -> Self::Raw {
        core::array::from_fn(|i| self[i].write(w))
    }
    unsafe fn write_reusing(
        &self,
        old: &Self::Raw,
        file: FileRef<'_>,
        w: &mut Writer<'_>,
    ) -> Self::Raw {
        // SAFETY: the caller's promise covers every element.
        core::array::from_fn(|i| unsafe { self[i].write_reusing(&old[i], file, w) })
    }
    fn validate(raw: &Self::Raw, v: &mut Validator<'_>) -> Result<()> {
        v.elements::<T>(raw)
    }
    #[inline]
    unsafe fn view<'a>(raw: &'a Self::Raw, file: FileRef<'a>) -> ListView<'a, T> {
        // SAFETY: the caller's promise, passed on to the elements.
        unsafe { ListView::new(raw, file) }
    }
    #[inline]
    unsafe fn view_mut<'a>(raw: &'a mut Self::Raw, file: FileMut<'a>) -> ListViewMut<'a, T> {
        // SAFETY: the caller's promise, passed on to the elements.
        unsafe { ListViewMut::new(raw, file) }
    }
    unsafe fn read(raw: &Self::Raw, file: FileRef<'_>) -> Self {
        // SAFETY: the caller's promise, passed on to the elements.
        core::array::from_fn(|i| unsafe { T::read(&raw[i], file) })
    }
    #[inline]
    unsafe fn view_evolved<'a>(
        at: NonNull<u8>,
        how: &'a Evolved,
        file: FileRef<'a>,
    ) -> ListView<'a, T> {
        // SAFETY: the caller's promise, passed on to the elements, which lie
        // one after the other inside the array's stored form.
        unsafe { ListView::spread(array_elements(at, how, N), file) }
    }
    unsafe fn read_evolved(at: NonNull<u8>, how: &Evolved, file: FileRef<'_>) -> Self {
        let elements = array_elements(at, how, N);
        // SAFETY: as in `view_evolved`; `i < N`, so `at(i)` is some element.
        core::array::from_fn(|i| unsafe {
            let at = elements.at(i).unwrap_or(at);
            T::read_evolved(at, elements.how, file)
        })
    }
}

/// The `len` elements of an array stored at `at` as `how` says.
fn array_elements(at: NonNull<u8>, how: &Evolved, len: usize) -> Spread<'_> {
    let Shape::List(elements) = &how.shape else { never_evolved("array") };
    Spread::inside(at, len, elements)
}
// SAFETY: the elements are the whole value, and plain elements accept any bits.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}
// SAFETY: frozen elements are stored as the program stores them in every
// file that opens, and so is an array of them.
unsafe impl<T: Frozen, const N: usize> Frozen for [T; N] {}
// SAFETY: inline elements allocate nothing.
unsafe impl<T: Inline, const N: usize> Inline for [T; N] {}

// SAFETY: `validate` accepts tags 0 and 1 only and validates the value under tag
// 1; views read the value only under tag 1, and `view_mut` never hands out the
// tag, so it cannot be changed without changing the whole option by `write`.
unsafe impl<T: Mapped> Mapped for Option<T> {
    type Raw = RawOption<T::Raw>;
    type View<'a> = Option<T::View<'a>>;
    type ViewMut<'a> = Option<T::ViewMut<'a>>;
    const LAYOUT: &'static Layout = &Layout {
        name: "Option",
        size: size_of::<RawOption<T::Raw>>(),
        align: align_of::<RawOption<T::Raw>>(),
        kind: Kind::Option(T::LAYOUT),
        frozen: false,
    };
    const CHECKED: bool = true;
    const HAS_BLOCKS: bool = T::HAS_BLOCKS;
    #[inline]
    fn write(&self, w: &mut Writer<'_>) -> Self::Raw {
        const {
            assert!(
                size_of::<<T::Raw as RawData>::OptionPad>() + 1 == align_of::<T::Raw>(),
                "`RawData::OptionPad` must be `align_of::<Self>() - 1` bytes"
            )
        };
        let mut raw: RawOption<T::Raw> = bytemuck::Zeroable::zeroed();
        if let Some(value) = self {
            raw.tag = 1;
            raw.value = value.write(w);
        }
        raw
    }
    unsafe fn write_reusing(
        &self,
        old: &Self::Raw,
        file: FileRef<'_>,
        w: &mut Writer<'_>,
    ) -> Self::Raw {
        match self {
            Some(value) if old.tag == 1 => {
                let mut raw = *old;
                // SAFETY: the caller's promise covers the old value.
                raw.value = unsafe { value.write_reusing(&old.value, file, w) };
                raw
            }
            _ => self.write(w),
        }
    }
    fn validate(raw: &Self::Raw, v: &mut Validator<'_>) -> Result<()> {
        match raw.tag {
            0 => Ok(()),
            1 => T::validate(&raw.value, v).map_err(|e| e.within(PathSegment::Some)),
            value => Err(Error::invalid(Problem::InvalidOptionTag {
                offset: v.offset_of(&raw.tag),
                value,
            })),
        }
    }
    #[inline]
    unsafe fn view<'a>(raw: &'a Self::Raw, file: FileRef<'a>) -> Self::View<'a> {
        // SAFETY: the caller's promise, passed on to the value.
        (raw.tag == 1).then(|| unsafe { T::view(&raw.value, file) })
    }
    #[inline]
    unsafe fn view_mut<'a>(raw: &'a mut Self::Raw, file: FileMut<'a>) -> Self::ViewMut<'a> {
        // SAFETY: the caller's promise, passed on to the value.
        (raw.tag == 1).then(|| unsafe { T::view_mut(&mut raw.value, file) })
    }
    unsafe fn read(raw: &Self::Raw, file: FileRef<'_>) -> Self {
        // SAFETY: the caller's promise, passed on to the value.
        (raw.tag == 1).then(|| unsafe { T::read(&raw.value, file) })
    }
    #[inline]
    unsafe fn view_evolved<'a>(
        at: NonNull<u8>,
        how: &'a Evolved,
        file: FileRef<'a>,
    ) -> Self::View<'a> {
        let Shape::Option { payload, value } = &how.shape else { never_evolved("Option") };
        // SAFETY: the caller's promise: the tag is the stored form's first byte,
        // and resolving placed the value `payload` bytes after it.
        unsafe { (at.read() == 1).then(|| T::view_evolved(at.add(*payload), value, file)) }
    }
    unsafe fn read_evolved(at: NonNull<u8>, how: &Evolved, file: FileRef<'_>) -> Self {
        let Shape::Option { payload, value } = &how.shape else { never_evolved("Option") };
        // SAFETY: as in `view_evolved`.
        unsafe { (at.read() == 1).then(|| T::read_evolved(at.add(*payload), value, file)) }
    }
}

// SAFETY: resolving refuses a file that stores an option's value otherwise
// where the option is a list's or an array's element.
unsafe impl<T: Frozen> Frozen for Option<T> {}
// SAFETY: an option of an inline value allocates nothing.
unsafe impl<T: Inline> Inline for Option<T> {}
