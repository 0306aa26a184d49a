//! The [`Mapped`] trait and its marker traits [`Plain`] and [`Inline`].

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::access::evolve::{Evolved, never_evolved};

use crate::access::file_ref::{FileMut, FileRef};
use crate::access::validate::Validator;
use crate::access::write::Writer;
use crate::format::error::Result;
use crate::format::layout::Layout;
use crate::format::raw::RawData;

/// A type that can be stored in an mmf file and read and updated in place.
///
/// Implemented by `#[derive(Mapped)]` for structs and fieldless enums, and by mmf
/// for the built-in types of the type table (numbers, `bool`, `char`, `String`,
/// `Box<str>`, `Vec<T>`, `Box<[T]>`, `Box<T>`, `Option<T>`, `[T; N]`).
///
/// # Safety
///
/// Implementations promise what the runtime's memory safety relies on:
/// `write` allocates every block it points to through the [`Writer`], so blocks
/// never overlap; `validate` rejects every stored form that `view`, `view_mut`
/// and `read` could not handle and records every block it reaches; `HAS_BLOCKS`
/// is `false` only if the stored form holds no offsets; `CHECKED` is `false`
/// only if every bit pattern of `Raw` is valid. Use the derive rather than
/// implementing this trait by hand.
///
/// # Example
///
/// ```
/// use mmf_runtime::Mapped;
///
/// assert_eq!(<Vec<u32> as Mapped>::LAYOUT.size, 16);
/// let bytes = mmf_runtime::to_bytes(&vec![1u32, 2, 3]);
/// let list = mmf_runtime::from_bytes::<Vec<u32>>(&bytes)?;
/// assert_eq!(list.as_slice(), &[1, 2, 3]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in an mmf file",
    label = "`{Self}` does not implement `Mapped`",
    note = "if `{Self}` is your own type, add `#[derive(Mapped)]` to it",
    note = "if it comes from another crate (`SystemTime`, `HashMap`, `Uuid`, …), it cannot derive `Mapped` here: store what it holds in a type from mmf's type table instead (seconds as `u64`, a `Vec` of key-value pairs, bytes as `[u8; 16]`)"
)]
pub unsafe trait Mapped: Sized {
    /// The stored form: fixed layout, plain data, no implicit padding.
    type Raw: RawData;
    /// The read-only view: a copy for numbers, `&str` for strings, a
    /// [`ListView`](crate::ListView) for lists, a generated `…View` for structs.
    type View<'a>: Copy;
    /// The in-place view: `&mut` for numbers, a [`ListViewMut`](crate::ListViewMut)
    /// for lists, a generated `…ViewMut` for structs, read-only for strings.
    type ViewMut<'a>;
    /// The offset table of the stored form.
    const LAYOUT: &'static Layout;
    /// A stable hash of [`Self::LAYOUT`]'s canonical encoding (see [`crate::schema`]).
    const SCHEMA_HASH: u64 = crate::format::schema::hash(Self::LAYOUT);
    /// Names this type had in earlier versions of the program
    /// (`#[mmf(renamed_from = "…")]` on the type): a file whose root type has
    /// one of them opens as this type. Types below the root are matched by
    /// where they are, whatever their names.
    const RENAMED_FROM: &'static [&'static str] = &[];
    /// Whether some bit patterns of `Raw` are invalid and need checking.
    #[doc(hidden)]
    const CHECKED: bool;
    /// Whether `Raw` holds offsets of blocks elsewhere in the file.
    #[doc(hidden)]
    const HAS_BLOCKS: bool;
    /// Whether a view of this type stored otherwise in a file is cheap to
    /// make (a list's): field views then make it inline, not out of line.
    #[doc(hidden)]
    const EVOLVES_INLINE: bool = false;

    /// Allocates and writes this value's blocks, and returns its stored form.
    #[doc(hidden)]
    fn write(&self, w: &mut Writer<'_>) -> Self::Raw;

    /// Like [`Mapped::write`], but reuses the blocks of `old`, a stored form in
    /// `file`, wherever they hold the same data: only what changed is written.
    /// A stored form equal to `old` means nothing was allocated.
    ///
    /// The writer must allocate past the end of `file`'s data, so that new
    /// blocks never share an offset with old ones.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view`]: while this runs, no `&mut` may be live to any
    /// byte of `file` reachable from `old`. The blocks reachable from `old` must
    /// be disjoint (as validation proves), so the result's are too.
    #[doc(hidden)]
    #[inline]
    unsafe fn write_reusing(
        &self,
        old: &Self::Raw,
        file: FileRef<'_>,
        w: &mut Writer<'_>,
    ) -> Self::Raw {
        let _ = (old, file);
        self.write(w)
    }

    /// Checks a stored form against the file: bounds, alignment, tags, UTF-8.
    #[doc(hidden)]
    fn validate(raw: &Self::Raw, v: &mut Validator<'_>) -> Result<()>;

    /// A read-only view of a stored form.
    ///
    /// # Safety
    ///
    /// While `'a` lasts, no `&mut` may be live to any byte of `file` that is
    /// reachable from `raw` through its offsets.
    #[doc(hidden)]
    unsafe fn view<'a>(raw: &'a Self::Raw, file: FileRef<'a>) -> Self::View<'a>;

    /// An in-place view of a stored form.
    ///
    /// # Safety
    ///
    /// The blocks reachable from `raw` through `file` must not overlap `raw` or
    /// each other, and nothing else may reference them while `'a` lasts.
    #[doc(hidden)]
    unsafe fn view_mut<'a>(raw: &'a mut Self::Raw, file: FileMut<'a>) -> Self::ViewMut<'a>;

    /// Rebuilds the owned value from a stored form.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view`], for the duration of the call.
    #[doc(hidden)]
    unsafe fn read(raw: &Self::Raw, file: FileRef<'_>) -> Self;

    /// A read-only view of a value a file stores otherwise than this program
    /// (`how`, resolved when the file was opened); for the types that can
    /// differ: structs, fieldless enums, numbers, and lists, options and
    /// boxes of them.
    ///
    /// # Safety
    ///
    /// `at` must point to the file's stored form (`how.size` bytes, aligned as
    /// it needs) inside `file` or an image that outlives `'a`, validated by
    /// the file's schema and resolved into `how` for this type; as for
    /// [`Mapped::view`], no `&mut` may be live to any byte reachable from it.
    #[doc(hidden)]
    unsafe fn view_evolved<'a>(
        at: NonNull<u8>,
        how: &'a Evolved,
        file: FileRef<'a>,
    ) -> Self::View<'a> {
        let _ = (at, how, file);
        never_evolved(Self::LAYOUT.name)
    }

    /// Rebuilds the owned value from a stored form a file stores otherwise
    /// than this program.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view_evolved`], for the duration of the call.
    #[doc(hidden)]
    unsafe fn read_evolved(at: NonNull<u8>, how: &Evolved, file: FileRef<'_>) -> Self {
        let _ = (at, how, file);
        never_evolved(Self::LAYOUT.name)
    }
}

/// A [`Mapped`] type whose stored form is its whole value and accepts every bit
/// pattern: numbers, arrays of them, and structs made only of them.
///
/// Plain stored forms can be handed out as `&mut`, so
/// [`ListViewMut::as_mut_slice`](crate::ListViewMut::as_mut_slice) is available
/// for lists of them. The derive implements it whenever every field is `Plain`.
///
/// # Safety
///
/// Every bit pattern of `Raw` must be a valid stored form, and `Raw` must hold
/// no offsets, tags or other values that validation checks.
///
/// # Example
///
/// ```
/// fn zero_all<T: mmf_runtime::Plain>(list: &mut mmf_runtime::ListViewMut<'_, T>) {
///     for raw in list.as_mut_slice() {
///         *raw = bytemuck::Zeroable::zeroed();
///     }
/// }
/// let mut bytes = mmf_runtime::to_bytes(&vec![[1u16, 2], [3, 4]]);
/// zero_all(&mut mmf_runtime::from_bytes_mut::<Vec<[u16; 2]>>(&mut bytes)?);
/// assert_eq!(mmf_runtime::from_bytes::<Vec<[u16; 2]>>(&bytes)?.as_slice(), &[[0, 0], [0, 0]]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "the stored form of `{Self}` cannot be handed out as `&mut`",
    label = "`{Self}` is not `Plain`: its stored form holds offsets, tags or checked values",
    note = "change elements through `get_mut` / `iter_mut` and their `set_…` methods instead"
)]
pub unsafe trait Plain: Mapped {}

/// A [`Mapped`] type stored entirely inline (no blocks): numbers, `bool`,
/// `char`, fieldless enums, arrays and options of them, and structs made only
/// of them. Inline fields can be replaced in place with `set_…`.
///
/// # Safety
///
/// `write` must allocate nothing and the stored form must hold no offsets.
///
/// # Example
///
/// ```
/// let mut bytes = mmf_runtime::to_bytes(&vec![Some('a'), None]);
/// let mut list = mmf_runtime::from_bytes_mut::<Vec<Option<char>>>(&mut bytes)?;
/// assert!(list.set(1, Some('b'))); // `Option<char>` is `Inline`
/// assert_eq!(mmf_runtime::from_bytes::<Vec<Option<char>>>(&bytes)?.to_vec(), [Some('a'), Some('b')]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not stored inline, so it cannot be replaced in place",
    label = "`{Self}` is not `Inline`",
    note = "strings and lists live in blocks of their own; write a new file with `MappedFileMut::create` to change them"
)]
pub unsafe trait Inline: Mapped {}

/// A [`Mapped`] type that every file stores exactly as the program does:
/// views can hand out its stored form ([`ListView::as_slice`](crate::ListView::as_slice),
/// a `frozen` struct view's `raw()`). Numbers, `bool`, `char`, strings,
/// lists, boxes, maps (their stored forms are offsets and lengths, whatever
/// they point to), arrays, options and tuples of frozen types, and structs
/// marked `#[mmf(frozen)]`. Other structs may gain, lose or move fields
/// between versions of a program, and enums may gain variants and their
/// variants fields (also those that contain themselves), so a file written by
/// another version may store them otherwise (see the README's "Changing
/// your types").
///
/// # Safety
///
/// Resolving a file's layouts must never let the file store the type's
/// stored form otherwise than `Self::LAYOUT` says (the same size, and the
/// same bytes mean the same), wherever views hand it out: as a list's or an
/// array's element, or as a `frozen` struct. What the stored form points to
/// (a list's elements, a box's value) may differ.
///
/// # Example
///
/// ```
/// fn first<T: mmf_runtime::Frozen>(list: mmf_runtime::ListView<'_, T>) -> Option<&T::Raw> {
///     list.as_slice().first()
/// }
/// let bytes = mmf_runtime::to_bytes(&vec![3u32, 4]);
/// assert_eq!(first(mmf_runtime::from_bytes::<Vec<u32>>(&bytes)?), Some(&3));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "a file written by another version of the program may store `{Self}` otherwise",
    label = "`{Self}` is not `Frozen`",
    note = "use `try_as_slice()`, which gives `None` for such a file, or mark the struct `#[mmf(frozen)]` if its layout will never change"
)]
pub unsafe trait Frozen: Mapped {}

/// Helper for conditional trait bounds in generated code: `Check<'a, T>:
/// IsPlain` holds exactly when `T: Plain`, but unlike `T: Plain` the bound names
/// a lifetime parameter, so a generated `where` clause that does not hold makes
/// the item unavailable instead of failing to compile.
#[doc(hidden)]
pub struct Check<'a, T: ?Sized>(PhantomData<&'a T>);

#[doc(hidden)]
pub trait IsPlain {}
impl<T: Plain> IsPlain for Check<'_, T> {}

#[doc(hidden)]
pub trait IsInline<T: Mapped> {
    /// The stored form of an inline value.
    fn to_raw(value: &T) -> T::Raw;
}
impl<T: Inline> IsInline<T> for Check<'_, T> {
    fn to_raw(value: &T) -> T::Raw {
        value.write(&mut Writer::inline())
    }
}

/// `Check<'a, T>: DebugView<T>` holds when every view of `T` is `Debug`; see [`Check`].
#[doc(hidden)]
pub trait DebugView<T: Mapped> {
    /// Formats a view of `T`.
    fn fmt(view: &T::View<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}
impl<T: Mapped> DebugView<T> for Check<'_, T>
where
    for<'v> T::View<'v>: fmt::Debug,
{
    fn fmt(view: &T::View<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(view, f)
    }
}

/// Formats a field's view through [`DebugView`], in generated `Debug` impls.
#[doc(hidden)]
pub struct FieldDebug<'v, T: Mapped, C: DebugView<T>>(T::View<'v>, PhantomData<C>);

impl<'v, T: Mapped, C: DebugView<T>> FieldDebug<'v, T, C> {
    pub fn new(view: T::View<'v>) -> Self {
        FieldDebug(view, PhantomData)
    }
}

impl<T: Mapped, C: DebugView<T>> fmt::Debug for FieldDebug<'_, T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        C::fmt(&self.0, f)
    }
}
