//! Checked references to a whole file image: [`FileRef`] and [`FileMut`]
//! turn an offset and a length into a slice, checking the bounds and the
//! alignment at each resolution (one compare per block, not per element), so a
//! file changed behind mmf's back gives wrong values, never bytes from outside
//! the mapping.

use core::marker::PhantomData;
use core::ptr::NonNull;

use bytemuck::Pod;

/// Shared access to a whole file image, for resolving offsets in views.
#[doc(hidden)]
pub struct FileRef<'a> {
    base: NonNull<u8>,
    len: usize,
    _file: PhantomData<&'a [u8]>,
}

impl Clone for FileRef<'_> {
    fn clone(&self) -> Self {
        *self
    }
}
impl Copy for FileRef<'_> {}

// SAFETY: a `FileRef` is a shared borrow of bytes, like `&[u8]`.
unsafe impl Send for FileRef<'_> {}
// SAFETY: as above.
unsafe impl Sync for FileRef<'_> {}

impl<'a> FileRef<'a> {
    /// Shared access to `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        FileRef { base: NonNull::from(bytes).cast(), len: bytes.len(), _file: PhantomData }
    }

    /// A handle to no bytes at all, for values that hold no offsets.
    pub fn empty() -> Self {
        FileRef::new(&[])
    }

    /// Shared access to the `len` bytes at `base`, without a reference to all
    /// of them: only the blocks views resolve are ever borrowed. For mappings
    /// whose header words another process may store to meanwhile.
    ///
    /// # Safety
    ///
    /// `base` must be valid for reads of `len` bytes for `'a`, and the bytes of
    /// every block resolved through the handle must not be written while `'a`
    /// lasts.
    pub(crate) unsafe fn from_raw(base: *const u8, len: usize) -> Self {
        let base = NonNull::new(base.cast_mut()).unwrap_or(NonNull::dangling());
        FileRef { base, len, _file: PhantomData }
    }

    /// The first `len` bytes (all of them, if there are fewer).
    pub(crate) fn prefix(self, len: u64) -> Self {
        let len = usize::try_from(len).map_or(self.len, |len| len.min(self.len));
        FileRef { len, ..self }
    }

    /// The number of bytes.
    pub(crate) fn len(self) -> u64 {
        self.len as u64
    }

    /// The address of the first byte.
    pub(crate) fn base(self) -> *const u8 {
        self.base.as_ptr()
    }

    /// The block of `len` elements of `R` at `offset`, or `None` if it does not
    /// lie inside the file or is misaligned.
    ///
    /// # Safety
    ///
    /// While `'a` lasts, no `&mut` to the block's bytes may be live.
    #[inline]
    pub unsafe fn block<R: Pod>(self, offset: u64, len: u64) -> Option<&'a [R]> {
        let (start, len) = self.locate::<R>(offset, len)?;
        // SAFETY: `locate` checked that `len` elements of `R` from `start` lie inside
        // the `self.len` bytes at `base`, which stay borrowed for `'a`, and that the
        // address is aligned for `R`; `R: Pod` makes any bytes a valid `R`. The caller
        // promises no `&mut` to these bytes is live while `'a` lasts.
        Some(unsafe { core::slice::from_raw_parts(self.base.as_ptr().add(start).cast::<R>(), len) })
    }

    /// Checks a block's bounds and alignment; returns its start and element count.
    #[inline]
    fn locate<R>(self, offset: u64, len: u64) -> Option<(usize, usize)> {
        // Saturating arithmetic instead of checked: an overflow saturates to
        // `u64::MAX`, which fails the bounds compare, so the common case is one
        // compare and one mask with no early branches.
        let end = offset.saturating_add(len.saturating_mul(size_of::<R>() as u64));
        let address = (self.base.as_ptr() as u64).wrapping_add(offset);
        let fits = end <= self.len as u64;
        let aligned = address & (align_of::<R>() as u64 - 1) == 0;
        // `end <= self.len` makes both casts exact.
        (fits & aligned).then_some((offset as usize, len as usize))
    }

    /// A UTF-8 string of `len` bytes at `offset`; empty if it is out of bounds or
    /// not UTF-8 (possible only if the file changed after validation).
    ///
    /// # Safety
    ///
    /// As for [`FileRef::block`].
    #[inline]
    pub unsafe fn str(self, offset: u64, len: u64) -> &'a str {
        // SAFETY: the caller's promise, passed on.
        let bytes = unsafe { self.block::<u8>(offset, len) }.unwrap_or_default();
        core::str::from_utf8(bytes).unwrap_or_default()
    }
}

/// Exclusive access to a whole file image, for in-place views. Unlike a
/// `&mut [u8]`, it can hand out `&mut` to several disjoint blocks at once.
#[doc(hidden)]
pub struct FileMut<'a> {
    base: NonNull<u8>,
    len: usize,
    _file: PhantomData<&'a mut [u8]>,
}

// SAFETY: a `FileMut` is an exclusive borrow of bytes, like `&mut [u8]`.
unsafe impl Send for FileMut<'_> {}
// SAFETY: shared access to a `FileMut` only reads, as with `&&mut [u8]`.
unsafe impl Sync for FileMut<'_> {}

impl<'a> FileMut<'a> {
    /// Exclusive access to `bytes`.
    pub fn new(bytes: &'a mut [u8]) -> Self {
        let len = bytes.len();
        FileMut { base: NonNull::from(bytes).cast(), len, _file: PhantomData }
    }

    /// Reborrows for a shorter time.
    pub fn reborrow(&mut self) -> FileMut<'_> {
        FileMut { base: self.base, len: self.len, _file: PhantomData }
    }

    /// Shared access for as long as `self` is borrowed.
    pub fn as_ref(&self) -> FileRef<'_> {
        FileRef { base: self.base, len: self.len, _file: PhantomData }
    }

    /// Shared access for all of `'a`, giving up this handle.
    pub fn into_ref(self) -> FileRef<'a> {
        FileRef { base: self.base, len: self.len, _file: PhantomData }
    }

    /// A second handle to the same bytes, for views of disjoint parts.
    ///
    /// # Safety
    ///
    /// The two handles must only be used to reach disjoint bytes.
    pub unsafe fn alias(&self) -> FileMut<'a> {
        FileMut { base: self.base, len: self.len, _file: PhantomData }
    }

    /// The block of `len` elements of `R` at `offset`, or `None` if it does not
    /// lie inside the file or is misaligned.
    ///
    /// # Safety
    ///
    /// While `'a` lasts, nothing else may reference the block's bytes.
    #[inline]
    pub unsafe fn block_mut<R: Pod>(self, offset: u64, len: u64) -> Option<&'a mut [R]> {
        let (start, len) = self.as_ref().locate::<R>(offset, len)?;
        // SAFETY: `locate` checked bounds and alignment as in `FileRef::block`; the
        // bytes are exclusively borrowed for `'a` by this handle, and the caller
        // promises that nothing else references this block meanwhile.
        Some(unsafe {
            core::slice::from_raw_parts_mut(self.base.as_ptr().add(start).cast::<R>(), len)
        })
    }
}
