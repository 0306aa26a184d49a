//! The writer: measures a value exactly, then writes it into a buffer or a
//! mapping in one pass, depth first, with every padding byte zero.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use bytemuck::Pod;

use crate::access::mapped::Mapped;
use crate::format::error::{Error, Result};
use crate::format::header::{HEADER_LEN, Header};
use crate::format::layout::Layout;

/// Every block starts at a multiple of its element's alignment, and at least of this.
pub(crate) const MIN_BLOCK_ALIGN: u64 = 8;

/// Allocates blocks in a file image and copies stored forms into them.
///
/// Used twice per write: first measuring (no buffer; allocations only move the
/// end), then writing into a zeroed buffer of exactly the measured length.
/// Generated code calls it through [`Mapped::write`]; users never need it.
#[doc(hidden)]
pub struct Writer<'b> {
    out: Option<&'b mut [u8]>,
    /// The file offset of `out[0]`.
    origin: u64,
    end: u64,
    /// Whether some bytes did not fit in `out` (see [`Writer::over_from`]).
    overflowed: bool,
}

impl<'b> Writer<'b> {
    /// A writer that only measures, starting after the header.
    pub(crate) fn measure() -> Self {
        Writer::measure_from(HEADER_LEN)
    }

    /// A writer that only measures, allocating from file offset `start`.
    pub(crate) fn measure_from(start: u64) -> Self {
        Writer { out: None, origin: start, end: start, overflowed: false }
    }

    /// A writer for values that allocate nothing ([`crate::Inline`] types).
    pub(crate) fn inline() -> Self {
        Writer { out: None, origin: 0, end: 0, overflowed: false }
    }

    /// A writer into `out`, a zeroed image as long as the measurement said.
    pub(crate) fn over(out: &'b mut [u8]) -> Self {
        Writer { out: Some(out), origin: 0, end: HEADER_LEN, overflowed: false }
    }

    /// A writer into `out`, which holds the file's bytes from offset `start`
    /// on. Every byte up to [`end`](Self::end) is written (gaps with zeros);
    /// bytes that do not fit in `out` are left out and [`overflowed`](Self::overflowed)
    /// says so: writing again into a longer `out` then gives the whole image.
    pub(crate) fn over_from(out: &'b mut [u8], start: u64) -> Self {
        Writer { out: Some(out), origin: start, end: start, overflowed: false }
    }

    /// Whether some bytes did not fit (see [`Writer::over_from`]).
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// The end of the last allocation: the file offset where the next byte
    /// after everything written so far goes.
    pub(crate) fn end(&self) -> u64 {
        self.end
    }

    /// Whether this pass only measures; a list of elements without blocks can
    /// then skip its elements.
    #[inline]
    pub fn is_measuring(&self) -> bool {
        self.out.is_none()
    }

    /// Reserves `size` bytes at the next multiple of `align` (at least 8) and
    /// returns their offset.
    #[inline]
    pub fn alloc(&mut self, size: u64, align: u64) -> u64 {
        let align = align.max(MIN_BLOCK_ALIGN);
        let start = self.end.saturating_add(align - 1) & !(align - 1);
        if start > self.end {
            // The gap before the block: blocks themselves are written whole.
            self.put_zeros(self.end, start - self.end);
        }
        self.end = start.saturating_add(size);
        start
    }

    fn put_zeros(&mut self, at: u64, len: u64) {
        if let Some(out) = self.out.as_deref_mut() {
            let at = (at - self.origin) as usize;
            match out.get_mut(at..at + len as usize) {
                Some(place) => place.fill(0),
                None => self.overflowed = true,
            }
        }
    }

    /// Copies a stored form to offset `at`.
    #[inline]
    pub fn put<R: Pod>(&mut self, at: u64, value: &R) {
        self.put_bytes(at, bytemuck::bytes_of(value));
    }

    /// Copies stored forms to consecutive places from offset `at`.
    #[inline]
    pub fn put_slice<R: Pod>(&mut self, at: u64, values: &[R]) {
        self.put_bytes(at, bytemuck::cast_slice(values));
    }

    /// Copies bytes to offset `at`.
    #[inline]
    pub fn put_bytes(&mut self, at: u64, bytes: &[u8]) {
        if let Some(out) = self.out.as_deref_mut() {
            let at = (at - self.origin) as usize;
            match out.get_mut(at..at + bytes.len()) {
                Some(place) => place.copy_from_slice(bytes),
                None => self.overflowed = true,
            }
        }
    }
}

/// Where the parts of a value's file image go.
pub(crate) struct Plan {
    pub root_offset: u64,
    pub schema_offset: u64,
    pub schema: Arc<[u8]>,
    pub len: usize,
}

/// `T`'s embedded schema, notes included, encoded once per type: the notes
/// hold every field's default, which takes a write of each.
fn embedded_schema<T: Mapped>() -> Arc<[u8]> {
    type Key = (usize, usize, usize);
    static SCHEMAS: Mutex<BTreeMap<Key, Arc<[u8]>>> = Mutex::new(BTreeMap::new());
    // A layout and the root's earlier names are statics of the type.
    let names = T::RENAMED_FROM;
    let key = (T::LAYOUT as *const Layout as usize, names.as_ptr() as usize, names.len());
    let mut schemas = SCHEMAS.lock().unwrap_or_else(PoisonError::into_inner);
    let schema = schemas.entry(key).or_insert_with(|| {
        crate::format::schema::encode_renamed(T::LAYOUT, T::RENAMED_FROM).into()
    });
    Arc::clone(schema)
}

/// Measures the file image of `value`: header, root, blocks, embedded schema.
pub(crate) fn plan<T: Mapped>(value: &T) -> Result<Plan> {
    let mut w = Writer::measure();
    let root_offset = w.alloc(size_of::<T::Raw>() as u64, align_of::<T::Raw>() as u64);
    value.write(&mut w);
    let schema = embedded_schema::<T>();
    let schema_offset = w.alloc(schema.len() as u64, 8);
    let len = w.end;
    match usize::try_from(len) {
        Ok(len) if len <= isize::MAX as usize => {
            Ok(Plan { root_offset, schema_offset, schema, len })
        }
        _ => Err(Error::TooLarge { bytes: len }),
    }
}

/// Writes the file image of `value` into `out`, which must be zeroed and
/// `plan.len` bytes long. The header goes last, so an interrupted write leaves
/// no magic number behind.
pub(crate) fn write_image<T: Mapped>(value: &T, plan: &Plan, out: &mut [u8]) {
    debug_assert_eq!(out.len(), plan.len);
    let mut w = Writer::over(out);
    let root_offset = w.alloc(size_of::<T::Raw>() as u64, align_of::<T::Raw>() as u64);
    debug_assert_eq!(root_offset, plan.root_offset);
    let raw = value.write(&mut w);
    w.put(root_offset, &raw);
    let schema_offset = w.alloc(plan.schema.len() as u64, 8);
    debug_assert_eq!(schema_offset, plan.schema_offset);
    w.put_bytes(schema_offset, &plan.schema);
    // The measuring pass allocated exactly these places; a mismatch is a bug
    // in a `Mapped` impl.
    assert!(w.end == plan.len as u64 && !w.overflowed, "the image outgrew its measurement");
    let header = Header::new(
        T::SCHEMA_HASH,
        plan.root_offset,
        plan.len as u64,
        plan.schema_offset,
        plan.schema.len() as u64,
    );
    w.put(0, &header);
}
