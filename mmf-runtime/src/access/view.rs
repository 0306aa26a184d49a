//! Views: typed access to stored forms inside a file, without copying.
//!
//! A view pairs a reference to a stored form with a handle to the file it lies
//! in ([`FileRef`] or [`FileMut`]), so offsets can be resolved. Every resolution
//! re-checks that the block lies inside the file and is aligned (one compare per
//! block, not per element): if the file was changed behind mmf's back after
//! validation, views return wrong values (an empty list, an empty string), never
//! bytes from outside the mapping.

use crate::access::evolve::{self, Evolved, Spread};
use crate::access::file_ref::{FileMut, FileRef};
use crate::access::mapped::{Frozen, Inline, Mapped, Plain};
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Index, IndexMut};
use core::ptr::NonNull;
use core::slice::SliceIndex;

/// A read-only view of a list (`Vec<T>`, `Box<[T]>`) or array (`[T; N]`).
///
/// # Example
///
/// ```
/// let bytes = mmf_runtime::to_bytes(&vec![vec![1u16, 2], vec![3]]);
/// let lists = mmf_runtime::from_bytes::<Vec<Vec<u16>>>(&bytes)?;
/// assert_eq!(lists.len(), 2);
/// assert_eq!(lists.get(0).unwrap().as_slice(), &[1, 2]);
/// let total: u16 = lists.iter().flat_map(|l| l.iter()).sum();
/// assert_eq!(total, 6);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct ListView<'a, T: Mapped> {
    /// The elements, when the file stores them as the program does; else empty.
    items: &'a [T::Raw],
    file: FileRef<'a>,
    /// The elements, when the file stores them otherwise.
    spread: Option<Spread<'a>>,
}

impl<T: Mapped> Clone for ListView<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Mapped> Copy for ListView<'_, T> {}

impl<'a, T: Mapped> ListView<'a, T> {
    /// A view of stored elements.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view`], for every element.
    #[doc(hidden)]
    pub unsafe fn new(items: &'a [T::Raw], file: FileRef<'a>) -> Self {
        ListView { items, file, spread: None }
    }

    /// A view of elements the file stores otherwise than the program.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view_evolved`], for every element of `spread`.
    pub(crate) unsafe fn spread(spread: Spread<'a>, file: FileRef<'a>) -> Self {
        ListView { items: &[], file, spread: Some(spread) }
    }

    /// The number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.spread {
            None => self.items.len(),
            Some(spread) => spread.len,
        }
    }

    /// Whether there are no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A view of element `index`, or `None` if it is out of range.
    #[inline]
    pub fn get(&self, index: usize) -> Option<T::View<'a>> {
        // Which kind of list first: a branch the processor predicts, so that
        // an element's address never waits for the bounds check.
        if self.spread.is_some() {
            return self.get_spread(index);
        }
        let raw = self.items.get(index)?;
        // SAFETY: the element is part of this list, which `ListView::new` was
        // promised is free of `&mut` for `'a`.
        Some(unsafe { T::view(raw, self.file) })
    }

    /// [`get`](Self::get), for elements the file stores otherwise.
    #[inline]
    fn get_spread(&self, index: usize) -> Option<T::View<'a>> {
        let spread = self.spread.as_ref()?;
        // SAFETY: the element lies in the list's block (`Spread::at`), which
        // `ListView::spread` was promised is free of `&mut` and stored as
        // `spread.how` says.
        Some(unsafe { T::view_evolved(spread.at(index)?, spread.how, self.file) })
    }

    /// An iterator over views of the elements.
    #[inline]
    pub fn iter(&self) -> Iter<'a, T> {
        Iter { items: self.items.iter(), file: self.file, spread: self.spread, front: 0 }
    }

    /// The stored elements themselves, if the file stores them as this
    /// program does: for plain elements such as numbers or `CoordRaw`,
    /// exactly the values, read straight from the file. `None` for a list
    /// whose element type a file written by another version of the program
    /// stores otherwise; [`as_slice`](Self::as_slice) for element types that
    /// cannot differ.
    #[inline]
    pub fn try_as_slice(&self) -> Option<&'a [T::Raw]> {
        self.spread.is_none().then_some(self.items)
    }

    /// Copies the elements into an owned vector.
    pub fn to_vec(&self) -> Vec<T> {
        match &self.spread {
            // SAFETY: as in `get`, for each element.
            None => self.items.iter().map(|raw| unsafe { T::read(raw, self.file) }).collect(),
            Some(spread) => (0..spread.len)
                .filter_map(|i| spread.at(i))
                // SAFETY: as in `get_spread`, for each element.
                .map(|at| unsafe { T::read_evolved(at, spread.how, self.file) })
                .collect(),
        }
    }
}

impl<'a, T: Frozen> ListView<'a, T> {
    /// The stored elements themselves: for plain elements such as numbers or
    /// `[u8; 16]`, exactly the values, read straight from the file. For
    /// element types that every file stores as the program does ([`Frozen`]);
    /// [`try_as_slice`](Self::try_as_slice) for the others.
    #[inline]
    pub fn as_slice(&self) -> &'a [T::Raw] {
        match &self.spread {
            None => self.items,
            // What differs lies deeper (behind an offset): a frozen type's
            // stored form itself is the program's.
            Some(spread) => spread.frozen_elements::<T>(),
        }
    }
}

/// Indexes the stored elements like a slice, for [`Plain`] element types,
/// whose stored form is the value itself (numbers, arrays and structs of
/// them): `id()[..2]`, `samples()[3]`. Out of range panics, as for a slice;
/// [`get`](ListView::get) does not.
///
/// ```
/// let bytes = mmf_runtime::to_bytes(&[7u8, 1, 2, 3]);
/// let id = mmf_runtime::from_bytes::<[u8; 4]>(&bytes)?;
/// assert_eq!(id[0], 7);
/// assert_eq!(&id[1..], &[1, 2, 3]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
impl<T: Plain + Frozen, I: SliceIndex<[T::Raw]>> Index<I> for ListView<'_, T> {
    type Output = I::Output;

    fn index(&self, index: I) -> &I::Output {
        &self.as_slice()[index]
    }
}

impl<'a, T: Mapped> IntoIterator for ListView<'a, T> {
    type Item = T::View<'a>;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<'a, T: Mapped> IntoIterator for &ListView<'a, T> {
    type Item = T::View<'a>;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<'a, T: Mapped> fmt::Debug for ListView<'a, T>
where
    T::View<'a>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over the element views of a [`ListView`].
pub struct Iter<'a, T: Mapped> {
    items: core::slice::Iter<'a, T::Raw>,
    file: FileRef<'a>,
    /// Elements the file stores otherwise, from `front` to `spread.len`.
    spread: Option<Spread<'a>>,
    front: usize,
}

impl<'a, T: Mapped> Iter<'a, T> {
    /// The element view at `index` of `spread`.
    #[inline]
    fn spread_view(&self, index: usize) -> Option<T::View<'a>> {
        let spread = self.spread.as_ref()?;
        // SAFETY: elements of a `ListView`, see `ListView::get_spread`.
        Some(unsafe { T::view_evolved(spread.at(index)?, spread.how, self.file) })
    }

    fn spread_left(&self) -> usize {
        self.spread.as_ref().map_or(0, |s| s.len - self.front)
    }
}

impl<'a, T: Mapped> Iterator for Iter<'a, T> {
    type Item = T::View<'a>;
    #[inline]
    fn next(&mut self) -> Option<T::View<'a>> {
        match self.items.next() {
            // SAFETY: elements of a `ListView`, see `ListView::get`.
            Some(raw) => Some(unsafe { T::view(raw, self.file) }),
            None if self.spread_left() > 0 => {
                self.front += 1;
                self.spread_view(self.front - 1)
            }
            None => None,
        }
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.items.len() + self.spread_left();
        (len, Some(len))
    }
}

impl<T: Mapped> DoubleEndedIterator for Iter<'_, T> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        match self.items.next_back() {
            // SAFETY: elements of a `ListView`, see `ListView::get`.
            Some(raw) => Some(unsafe { T::view(raw, self.file) }),
            None if self.spread_left() > 0 => {
                let index = self.spread.as_ref()?.len - 1;
                let view = self.spread_view(index);
                self.spread.as_mut()?.len = index;
                view
            }
            None => None,
        }
    }
}

impl<T: Mapped> ExactSizeIterator for Iter<'_, T> {}

/// An in-place view of a list or array: elements can be changed, the length
/// and the place of the block cannot.
///
/// # Example
///
/// ```
/// let mut bytes = mmf_runtime::to_bytes(&vec![1.0f64, 2.0, 3.0]);
/// let mut list = mmf_runtime::from_bytes_mut::<Vec<f64>>(&mut bytes)?;
/// list.as_mut_slice()[1] = 20.0;
/// *list.get_mut(2).unwrap() += 0.5;
/// for value in &mut list {
///     *value *= 2.0;
/// }
/// assert_eq!((&list).into_iter().sum::<f64>(), 49.0);
/// assert_eq!(mmf_runtime::from_bytes::<Vec<f64>>(&bytes)?.as_slice(), &[2.0, 40.0, 7.0]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct ListViewMut<'a, T: Mapped> {
    items: &'a mut [T::Raw],
    file: FileMut<'a>,
}

impl<'a, T: Mapped> ListViewMut<'a, T> {
    /// An in-place view of stored elements.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view_mut`], for every element, and the elements' blocks
    /// must be disjoint from each other.
    #[doc(hidden)]
    pub unsafe fn new(items: &'a mut [T::Raw], file: FileMut<'a>) -> Self {
        ListViewMut { items, file }
    }

    /// The number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// A read-only view of the list.
    #[inline]
    pub fn as_view(&self) -> ListView<'_, T> {
        ListView { items: self.items, file: self.file.as_ref(), spread: None }
    }

    /// A read-only view of element `index`.
    #[inline]
    pub fn get(&self, index: usize) -> Option<T::View<'_>> {
        self.as_view().get(index)
    }

    /// An iterator over read-only views of the elements.
    #[inline]
    pub fn iter(&self) -> Iter<'_, T> {
        self.as_view().iter()
    }

    /// An in-place view of element `index`, or `None` if it is out of range.
    #[inline]
    pub fn get_mut(&mut self, index: usize) -> Option<T::ViewMut<'_>> {
        let raw = self.items.get_mut(index)?;
        // SAFETY: `ListViewMut::new` was promised that each element's blocks are
        // disjoint and unreferenced; `&mut self` keeps every other use of them away.
        Some(unsafe { T::view_mut(raw, self.file.reborrow()) })
    }

    /// An iterator over in-place views of all elements at once.
    #[inline]
    pub fn iter_mut(&mut self) -> IterMut<'_, T> {
        // SAFETY: the iterator hands out one view per element; the elements'
        // blocks are disjoint from each other (`ListViewMut::new`'s contract).
        IterMut { items: self.items.iter_mut(), file: unsafe { self.file.alias() } }
    }

    /// The stored elements, read-only.
    #[inline]
    pub fn as_slice(&self) -> &[T::Raw] {
        self.items
    }

    /// The stored elements, writable: available only for [`Plain`] elements,
    /// whose stored form holds no offsets, tags or other checked values.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T::Raw]
    where
        T: Plain,
    {
        self.items
    }

    /// Replaces element `index` by `value`, in place; `false` if out of range.
    /// Available for [`Inline`] elements (no strings or lists inside).
    pub fn set(&mut self, index: usize, value: T) -> bool
    where
        T: Inline,
    {
        let Some(raw) = self.items.get_mut(index) else { return false };
        *raw = value.write(&mut crate::access::write::Writer::inline());
        true
    }

    /// Copies the elements into an owned vector.
    pub fn to_vec(&self) -> Vec<T> {
        self.as_view().to_vec()
    }
}

/// Indexes the stored elements like a slice, for [`Plain`] element types, as
/// for [`ListView`]; writable, as [`as_mut_slice`](ListViewMut::as_mut_slice) is.
impl<T: Plain, I: SliceIndex<[T::Raw]>> Index<I> for ListViewMut<'_, T> {
    type Output = I::Output;

    fn index(&self, index: I) -> &I::Output {
        &self.items[index]
    }
}

impl<T: Plain, I: SliceIndex<[T::Raw]>> IndexMut<I> for ListViewMut<'_, T> {
    fn index_mut(&mut self, index: I) -> &mut I::Output {
        &mut self.items[index]
    }
}

impl<'s, T: Mapped> IntoIterator for &'s ListViewMut<'_, T> {
    type Item = T::View<'s>;
    type IntoIter = Iter<'s, T>;
    fn into_iter(self) -> Iter<'s, T> {
        self.iter()
    }
}

impl<'s, T: Mapped> IntoIterator for &'s mut ListViewMut<'_, T> {
    type Item = T::ViewMut<'s>;
    type IntoIter = IterMut<'s, T>;
    fn into_iter(self) -> IterMut<'s, T> {
        self.iter_mut()
    }
}

impl<'a, T: Mapped> fmt::Debug for ListViewMut<'a, T>
where
    for<'b> T::View<'b>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over in-place views of all elements of a [`ListViewMut`].
pub struct IterMut<'a, T: Mapped> {
    items: core::slice::IterMut<'a, T::Raw>,
    file: FileMut<'a>,
}

impl<'a, T: Mapped> Iterator for IterMut<'a, T> {
    type Item = T::ViewMut<'a>;
    #[inline]
    fn next(&mut self) -> Option<T::ViewMut<'a>> {
        let raw = self.items.next()?;
        // SAFETY: each element is yielded once, and the blocks of different
        // elements are disjoint (`ListViewMut::new`'s contract).
        Some(unsafe { T::view_mut(raw, self.file.alias()) })
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.items.size_hint()
    }
}

impl<T: Mapped> ExactSizeIterator for IterMut<'_, T> {}

/// An in-place view of a value whose stored form is checked (`bool`, `char`, a
/// fieldless enum): read it with [`get`](Self::get), replace it with
/// [`set`](Self::set); the stored bytes are never handed out as `&mut`.
///
/// # Example
///
/// ```
/// let mut bytes = mmf_runtime::to_bytes(&vec![true, false]);
/// let mut flags = mmf_runtime::from_bytes_mut::<Vec<bool>>(&mut bytes)?;
/// let mut second = flags.get_mut(1).unwrap();
/// assert!(!second.get());
/// second.set(true);
/// assert_eq!(mmf_runtime::from_bytes::<Vec<bool>>(&bytes)?.to_vec(), [true, true]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct ValueMut<'a, T: Mapped> {
    raw: &'a mut T::Raw,
}

impl<'a, T: Inline> ValueMut<'a, T> {
    #[doc(hidden)]
    pub fn new(raw: &'a mut T::Raw) -> Self {
        ValueMut { raw }
    }

    /// The current value.
    pub fn get(&self) -> T {
        // SAFETY: an inline value holds no offsets, so `read` resolves no block.
        unsafe { T::read(self.raw, FileRef::empty()) }
    }

    /// Replaces the value.
    pub fn set(&mut self, value: T) {
        *self.raw = value.write(&mut crate::access::write::Writer::inline());
    }
}

impl<T: Inline + fmt::Debug> fmt::Debug for ValueMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

/// The inside of a generated `…View`: a stored struct and its file.
#[doc(hidden)]
pub struct StructRef<'a, R> {
    at: NonNull<R>,
    /// How the file stores the struct, if otherwise than the program.
    evolved: Option<&'a Evolved>,
    file: FileRef<'a>,
    _raw: PhantomData<&'a R>,
}

impl<R> Clone for StructRef<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for StructRef<'_, R> {}

/// A struct a file stores otherwise than the program: where it is, and how.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct EvolvedRef<'a> {
    at: NonNull<u8>,
    how: &'a Evolved,
    file: FileRef<'a>,
}

// SAFETY: an `EvolvedRef` only reads: the file's bytes, shared as through a
// `FileRef`, and the `Evolved` tree, which is `Sync`.
unsafe impl Send for EvolvedRef<'_> {}

impl<'a> EvolvedRef<'a> {
    /// The view of field `index`, of type `F`.
    ///
    /// # Safety
    ///
    /// Field `index` of the struct must be of type `F`.
    #[inline]
    pub unsafe fn field<F: Mapped>(self, index: usize) -> F::View<'a> {
        // SAFETY: `StructRef::evolved`'s promise, and the caller's on `F`.
        unsafe { evolve::field_view::<F>(self.at, self.how, index, self.file) }
    }

    /// A struct the file stores as `how` says.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view_evolved`].
    #[inline]
    pub unsafe fn new(at: NonNull<u8>, how: &'a Evolved, file: FileRef<'a>) -> Self {
        EvolvedRef { at, how, file }
    }

    /// The owned value of the whole struct, of type `T`.
    ///
    /// # Safety
    ///
    /// `how` must have been resolved for `T`.
    pub unsafe fn read_whole<T: Mapped>(self) -> T {
        // SAFETY: `new`'s promise, and the caller's on `T`.
        unsafe { T::read_evolved(self.at, self.how, self.file) }
    }

    /// Field `index`, of type `F`, which holds the enum itself: viewed when
    /// asked, as [`Nested`] says.
    ///
    /// # Safety
    ///
    /// As for [`EvolvedRef::field`].
    #[inline]
    pub unsafe fn nested<F: Mapped>(self, index: usize) -> Nested<'a, F> {
        // SAFETY: `new`'s promise, and the caller's on `F`: the place holds
        // an `F` stored as `how` says, for all of `'a`.
        let (at, how, file) = unsafe { evolve::field_place(self.at, self.how, index, self.file) };
        Nested { at, how, file, _raw: PhantomData }
    }

    /// The owned value of field `index`, of type `F`.
    ///
    /// # Safety
    ///
    /// As for [`EvolvedRef::field`].
    pub unsafe fn read<F: Mapped>(self, index: usize) -> F {
        // SAFETY: as in `field`.
        unsafe { evolve::field_read::<F>(self.at, self.how, index, self.file) }
    }
}

impl<'a, R> StructRef<'a, R> {
    /// # Safety
    ///
    /// As for [`Mapped::view`].
    #[inline]
    pub unsafe fn new(raw: &'a R, file: FileRef<'a>) -> Self {
        StructRef { at: NonNull::from(raw), evolved: None, file, _raw: PhantomData }
    }

    /// A struct the file stores as `how` says.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view_evolved`], for the struct whose stored form is `R`.
    #[inline]
    pub unsafe fn evolved(at: NonNull<u8>, how: &'a Evolved, file: FileRef<'a>) -> Self {
        StructRef { at: at.cast(), evolved: Some(how), file, _raw: PhantomData }
    }

    /// The stored struct, if the file stores it as the program does; else
    /// where it is and how it is stored.
    #[inline]
    pub fn get(self) -> Result<&'a R, EvolvedRef<'a>> {
        match self.evolved {
            // SAFETY: made by `new` from a `&'a R`.
            None => Ok(unsafe { self.at.as_ref() }),
            Some(how) => Err(EvolvedRef { at: self.at.cast(), how, file: self.file }),
        }
    }

    /// The stored struct of a `frozen` type, which files store as the
    /// program does (resolving refuses a file that does not).
    #[inline]
    pub fn frozen(self) -> &'a R {
        match self.get() {
            Ok(raw) => raw,
            Err(_) => evolve::never_evolved(core::any::type_name::<R>()),
        }
    }

    /// The file.
    ///
    /// # Safety
    ///
    /// Use it only to resolve offsets reachable from `raw`.
    #[inline]
    pub unsafe fn file(self) -> FileRef<'a> {
        self.file
    }
}

/// The inside of a generated `…ViewMut`: a stored struct and its file.
#[doc(hidden)]
pub struct StructMut<'a, R> {
    raw: &'a mut R,
    file: FileMut<'a>,
}

impl<'a, R> StructMut<'a, R> {
    /// # Safety
    ///
    /// As for [`Mapped::view_mut`].
    #[inline]
    pub unsafe fn new(raw: &'a mut R, file: FileMut<'a>) -> Self {
        StructMut { raw, file }
    }

    /// A read-only view of the stored struct.
    #[inline]
    pub fn as_ref(&self) -> StructRef<'_, R> {
        let (raw, file) = self.shared();
        // SAFETY: `&self` keeps every `&mut` from this view away while the
        // result lives, which `Mapped::view_mut`'s promise covers.
        unsafe { StructRef::new(raw, file) }
    }

    /// The stored struct and the file, read-only.
    #[inline]
    pub fn shared(&self) -> (&R, FileRef<'_>) {
        (self.raw, self.file.as_ref())
    }

    /// The stored struct, writable, and the file.
    ///
    /// # Safety
    ///
    /// Write only fields whose every bit pattern is valid, and use the file only
    /// to resolve offsets reachable from the struct.
    #[inline]
    pub unsafe fn parts(&mut self) -> (&mut R, FileMut<'_>) {
        (self.raw, self.file.reborrow())
    }
}

/// A field of an enum's view that holds the enum itself, such as the boxes
/// of `Expr::Add(Box<Expr>, Box<Expr>)`: viewed when asked ([`get`](Nested::get)),
/// since a view holding a view of its own type inline would never end.
///
/// # Example
///
/// With `#[derive(Mapped)] enum Expr { Num(f64), Add(Box<Expr>, Box<Expr>) }`
/// (the derive's documentation in the `mmf` crate runs this):
///
/// ```text
/// if let ExprView::Add(left, _) = view {
///     assert!(matches!(left.get(), ExprView::Num(_)));
/// }
/// ```
pub struct Nested<'a, T: Mapped> {
    /// The field's stored form.
    at: NonNull<u8>,
    /// How the file stores it, if otherwise than the program.
    how: Option<&'a Evolved>,
    file: FileRef<'a>,
    _raw: PhantomData<&'a T::Raw>,
}

// SAFETY: a `Nested` only reads, as an `EvolvedRef` does.
unsafe impl<T: Mapped> Send for Nested<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Mapped> Sync for Nested<'_, T> {}

impl<T: Mapped> Clone for Nested<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Mapped> Copy for Nested<'_, T> {}

impl<'a, T: Mapped> Nested<'a, T> {
    /// The field's stored form `raw`, in `file`.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view`], for all of `'a`.
    #[doc(hidden)]
    pub unsafe fn new(raw: &'a T::Raw, file: FileRef<'a>) -> Self {
        Nested { at: NonNull::from(raw).cast(), how: None, file, _raw: PhantomData }
    }

    /// The field's view.
    pub fn get(&self) -> T::View<'a> {
        // SAFETY: `new`'s caller promised what `view` needs for all of `'a`,
        // or `EvolvedRef::nested`'s what `view_evolved` needs.
        unsafe { evolve::view_at::<T>(self.at, self.how, self.file) }
    }

    /// The owned value.
    pub fn to_owned(&self) -> T {
        // SAFETY: as for `get`.
        unsafe { evolve::read_at::<T>(self.at, self.how, self.file) }
    }
}

impl<'a, T: Mapped> fmt::Debug for Nested<'a, T>
where
    T::View<'a>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

/// The in-place form of [`Nested`]: a field of an enum's in-place view that
/// holds the enum itself, viewed in place when asked.
pub struct NestedMut<'a, T: Mapped> {
    raw: &'a mut T::Raw,
    file: FileMut<'a>,
}

impl<'a, T: Mapped> NestedMut<'a, T> {
    /// The field's stored form `raw`, in `file`.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view_mut`], for all of `'a`.
    #[doc(hidden)]
    pub unsafe fn new(raw: &'a mut T::Raw, file: FileMut<'a>) -> Self {
        NestedMut { raw, file }
    }

    /// The field's in-place view, for as long as `self` is borrowed.
    pub fn get_mut(&mut self) -> T::ViewMut<'_> {
        // SAFETY: `new`'s caller promised what `view_mut` needs; the reborrows
        // end before `self` can be used again.
        unsafe { T::view_mut(self.raw, self.file.reborrow()) }
    }

    /// The field's in-place view, for all of `'a`.
    pub fn into_mut(self) -> T::ViewMut<'a> {
        // SAFETY: as for `get_mut`, giving up `self`.
        unsafe { T::view_mut(self.raw, self.file) }
    }

    /// The field's read-only view, for as long as `self` is borrowed.
    pub fn get(&self) -> T::View<'_> {
        // SAFETY: as for `get_mut`; shared access only reads.
        unsafe { T::view(self.raw, self.file.as_ref()) }
    }
}

impl<T: Mapped> fmt::Debug for NestedMut<'_, T>
where
    for<'v> T::View<'v>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}
