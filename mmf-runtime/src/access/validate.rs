//! Validation at open: every offset, length, tag and string of the object graph
//! is checked once, and every block is proven disjoint from the others.

use std::collections::BTreeMap;

use bytemuck::Pod;

use crate::access::deep::TooDeep;
use crate::access::file_ref::FileRef;
use crate::access::mapped::Mapped;
use crate::format::diff::differences;
use crate::format::error::{Error, PathSegment, Problem, Result};
use crate::format::header::header_error;
use crate::format::header::{HEADER_LEN, Header};
use crate::format::schema::encode;

/// Walks a file's object graph and checks it; see [`Mapped::validate`].
///
/// Every non-empty block is checked against all blocks seen before it, before
/// its elements are looked at: a block that shares a byte with another is
/// refused at once. That proof makes the in-place API sound (two `&mut` can
/// never reach the same bytes), and bounds validation time by the file's size:
/// a hostile file cannot make many lists point at one large block to have it
/// checked again and again.
#[doc(hidden)]
pub struct Validator<'a> {
    data: FileRef<'a>,
    blocks: Blocks,
}

/// The blocks seen so far. Writers lay blocks out in the order validation
/// visits them, so the first pass keeps only the end of the last block: each
/// new block must start at or after it. The first block out of order stops that
/// pass, and validation starts again keeping every block in a search tree.
enum Blocks {
    InOrder { last_end: u64, broken: bool },
    Tree(BTreeMap<u64, u64>),
}

impl Blocks {
    /// Records `start..end`, or returns a block it overlaps (in the first pass,
    /// the last block, with `broken` set).
    #[inline]
    fn insert(&mut self, start: u64, end: u64) -> Result<(), (u64, u64)> {
        match self {
            Blocks::InOrder { last_end, broken } => {
                if start < *last_end {
                    *broken = true;
                    return Err((start, *last_end));
                }
                *last_end = end;
                Ok(())
            }
            Blocks::Tree(tree) => {
                // The block starting last before `end` is the only one that can
                // overlap: blocks are disjoint, so any earlier one ends before it.
                if let Some((&s, &e)) = tree.range(..end).next_back()
                    && e > start
                {
                    return Err((s, e));
                }
                tree.insert(start, end);
                Ok(())
            }
        }
    }
}

impl<'a> Validator<'a> {
    /// Resolves a block of `len` elements of `R` at `offset`, checking that it
    /// lies inside the data in use, after the header, aligned, and apart from
    /// every block seen before.
    #[inline]
    pub fn block<R: Pod>(&mut self, offset: u64, len: u64) -> Result<&'a [R]> {
        const { assert!(size_of::<R>() > 0, "mmf lists of zero-sized types are not supported") };
        if len == 0 {
            return Ok(&[]);
        }
        self.block_bytes(offset, len, size_of::<R>() as u64, align_of::<R>() as u64)?;
        // SAFETY: `validate`'s caller promises that no byte of the data is
        // written while `'a` lasts.
        let items = unsafe { self.data.block::<R>(offset, len) };
        // Cannot fail: the block is in bounds and aligned relative to the data,
        // whose base is aligned for every stored type (a page-aligned mapping,
        // or a buffer checked by `from_bytes`).
        items.ok_or(Error::invalid(Problem::Misaligned { offset, align: align_of::<R>() as u64 }))
    }

    /// Checks a block of `len` elements of `element_size` bytes at `offset`, as
    /// [`block`](Self::block) does, and records it.
    #[inline]
    pub(crate) fn block_bytes(
        &mut self,
        offset: u64,
        len: u64,
        element_size: u64,
        align: u64,
    ) -> Result<()> {
        if len == 0 {
            return Ok(());
        }
        let data_len = self.data.len();
        let Some(end) = len.checked_mul(element_size).and_then(|bytes| offset.checked_add(bytes))
        else {
            return Err(Error::invalid(Problem::Overflow { offset, len, element_size }));
        };
        if offset < HEADER_LEN {
            return Err(Error::invalid(Problem::OverlapsHeader { offset }));
        }
        if end > data_len {
            return Err(Error::invalid(Problem::OutOfBounds {
                offset,
                len,
                element_size,
                data_len,
            }));
        }
        if !offset.is_multiple_of(align) {
            return Err(Error::invalid(Problem::Misaligned { offset, align }));
        }
        if let Err(other) = self.blocks.insert(offset, end) {
            return Err(Error::invalid(Problem::Overlap { offset, end, other }));
        }
        Ok(())
    }

    /// Resolves a UTF-8 string of `len` bytes at `offset`.
    #[inline]
    pub fn str(&mut self, offset: u64, len: u64) -> Result<&'a str> {
        let bytes = self.block::<u8>(offset, len)?;
        core::str::from_utf8(bytes).map_err(|e| {
            Error::invalid(Problem::InvalidUtf8 { offset, at: e.valid_up_to() as u64 })
        })
    }

    /// The offset in the file of a stored form that lies inside the data.
    pub fn offset_of<R>(&self, raw: &R) -> u64 {
        (raw as *const R as usize).wrapping_sub(self.data.base() as usize) as u64
    }

    /// Validates each element of a list or array, naming its index on error.
    #[inline]
    pub fn elements<T: Mapped>(&mut self, items: &[T::Raw]) -> Result<()> {
        if T::CHECKED || T::HAS_BLOCKS {
            for (i, item) in items.iter().enumerate() {
                T::validate(item, self).map_err(|e| e.within(PathSegment::Index(i as u64)))?;
            }
        }
        Ok(())
    }

    /// Validates a struct field, naming it on error.
    #[inline]
    pub fn field<T: Mapped>(&mut self, name: &'static str, raw: &T::Raw) -> Result<()> {
        if T::CHECKED || T::HAS_BLOCKS {
            T::validate(raw, self).map_err(|e| e.within(PathSegment::Field(name.into())))?;
        }
        Ok(())
    }

    /// Validates a value of a recursive type at `offset` with `value`, one
    /// level deeper (see [`deep`](crate::access::deep)): refused past
    /// [`MAX_NESTING`](crate::MAX_NESTING) levels, so no file nests deeper
    /// than reading can go.
    pub fn nested(
        &mut self,
        offset: u64,
        value: impl FnOnce(&mut Self) -> Result<()> + Send,
    ) -> Result<()> {
        match crate::access::deep::deep(|| value(self)) {
            Ok(result) => result,
            Err(TooDeep::Nesting(levels)) => {
                Err(Error::invalid(Problem::NestedTooDeep { offset, levels }))
            }
            Err(TooDeep::Thread) => Err(Error::invalid(Problem::NestedTooDeep {
                offset,
                levels: crate::access::deep::MAX_NESTING,
            })),
        }
    }

    /// Validates the fields of an enum's variant with `fields`, naming the
    /// variant on error (`shape.Circle.r`).
    #[inline]
    pub fn variant(
        &mut self,
        name: &'static str,
        fields: impl FnOnce(&mut Self) -> Result<()>,
    ) -> Result<()> {
        fields(self).map_err(|e| e.within(PathSegment::Field(name.into())))
    }

    /// The data being validated.
    pub(crate) fn data(&self) -> FileRef<'a> {
        self.data
    }

    /// The error for an enum's discriminant that names no variant.
    pub fn unknown_discriminant<R>(&self, tag: &R, value: u64, enum_name: &'static str) -> Error {
        Error::invalid(Problem::UnknownDiscriminant {
            offset: self.offset_of(tag),
            value,
            enum_name: enum_name.into(),
        })
    }
}

/// Validates the object graph of a file whose header has been checked for `T`,
/// and its embedded schema, and returns the root's stored form.
///
/// # Safety
///
/// No byte of the object graph or of the embedded schema may be written while
/// `'a` lasts. (`FileRef::new` of a shared slice makes sure of it.)
pub(crate) unsafe fn validate<'a, T: Mapped>(
    data: FileRef<'a>,
    header: &Header,
) -> Result<&'a T::Raw> {
    // SAFETY: the caller's promise covers the embedded schema.
    unsafe { header.check_schema(data) }?;
    let root = root_raw::<T>(data, header);
    // SAFETY: the caller's promise.
    unsafe { Validator::run(data, header, size_of::<T::Raw>() as u64, |v| T::validate(root, v)) }?;
    Ok(root)
}

impl<'a> Validator<'a> {
    /// Runs `walk` over the object graph, with the root's and the embedded
    /// schema's bytes recorded as blocks: first keeping only the end of the
    /// last block, then, if the blocks came out of order, again with a search
    /// tree.
    ///
    /// # Safety
    ///
    /// As for [`validate`].
    pub(crate) unsafe fn run(
        data: FileRef<'a>,
        header: &Header,
        root_size: u64,
        mut walk: impl FnMut(&mut Validator<'a>) -> Result<()>,
    ) -> Result<()> {
        let first = Validator::pass(
            data,
            header,
            root_size,
            &mut walk,
            Blocks::InOrder { last_end: 0, broken: false },
        );
        match first {
            Err((_, Blocks::InOrder { broken: true, .. })) => {
                let second = Validator::pass(
                    data,
                    header,
                    root_size,
                    &mut walk,
                    Blocks::Tree(BTreeMap::new()),
                );
                second.map_err(|(e, _)| e)
            }
            Err((e, _)) => Err(e),
            Ok(()) => Ok(()),
        }
    }

    /// One validation pass over the root, its blocks and the embedded schema.
    fn pass(
        data: FileRef<'a>,
        header: &Header,
        root_size: u64,
        walk: &mut impl FnMut(&mut Validator<'a>) -> Result<()>,
        mut blocks: Blocks,
    ) -> core::result::Result<(), (Error, Blocks)> {
        let (root_start, root_end) = (header.root_offset, header.root_offset + root_size);
        if root_end > root_start {
            // The root comes first: it lies right after the header in files mmf writes.
            let _ = blocks.insert(root_start, root_end);
        }
        let mut v = Validator { data, blocks };
        if let Err(e) = walk(&mut v) {
            return Err((e, v.blocks));
        }
        if let Some((start, end)) = header.schema_block()
            && let Err((s, e)) = v.blocks.insert(start, end)
        {
            let problem = format!(
                "the embedded schema at bytes {start}..{end} overlaps bytes {s}..{e} of the object graph"
            );
            return Err((Error::Header { field: "schema_offset", offset: 40, problem }, v.blocks));
        }
        Ok(())
    }
}

/// The root's stored form, at the place `Header::check` has checked.
pub(crate) fn root_raw<'a, T: Mapped>(data: FileRef<'a>, header: &Header) -> &'a T::Raw {
    // SAFETY: every `FileRef` this is called with comes from a shared slice
    // (`FileRef::new`) or from `FileRef::from_raw`, whose contract keeps the
    // resolved bytes unwritten for `'a`.
    let root = unsafe { data.block::<T::Raw>(header.root_offset, 1) };
    match root {
        Some([root]) => root,
        // `Header::check` proved the root in bounds and aligned.
        _ => unreachable!("the root's place was checked"),
    }
}

/// A view of the root of an image whose header has been checked for `T`.
///
/// # Safety
///
/// No byte reachable from the root may be written while `'a` lasts.
pub(crate) unsafe fn view_root<'a, T: Mapped>(data: FileRef<'a>, header: &Header) -> T::View<'a> {
    // SAFETY: the caller's promise.
    unsafe { T::view(root_raw::<T>(data, header), data) }
}

/// The owned root of an image whose header has been checked for `T`.
///
/// # Safety
///
/// As for [`view_root`], for the duration of the call.
pub(crate) unsafe fn read_root<T: Mapped>(data: FileRef<'_>, header: &Header) -> T {
    // SAFETY: the caller's promise.
    unsafe { T::read(root_raw::<T>(data, header), data) }
}

/// Checks `header`, read from the start of `file`, for `T` and, if asked,
/// validates the object graph it points to.
///
/// # Safety
///
/// As for [`validate`].
pub(crate) unsafe fn check_header<T: Mapped>(
    file: FileRef<'_>,
    header: Header,
    graph: bool,
) -> Result<Header> {
    header.check::<T>(file)?;
    if graph {
        // SAFETY: the caller's promise.
        unsafe { validate::<T>(file.prefix(header.data_len), &header) }?;
    }
    Ok(header)
}

/// What checking a header needs of the type and the file: the layer
/// above the format's own header checks.
impl Header {
    /// Checks the header against the root type `T` and the data's length: the
    /// schema hash, the data length, the root's place and the embedded schema.
    pub(crate) fn check<T: Mapped>(&self, file: FileRef<'_>) -> Result<()> {
        self.check_data_len(file.len())?;
        if self.schema_hash != T::SCHEMA_HASH {
            // Only now read the embedded schema: for the type's name and what
            // differs from `T`'s.
            // SAFETY: an embedded schema is never written once the header names it.
            let schema = unsafe { self.schema_bytes(file.prefix(self.data_len)) };
            let schema = schema.ok().flatten();
            let found_name = match schema.map(crate::format::schema::root_name) {
                Some(Some(name)) => name.to_owned(),
                Some(None) => "a built-in root type".to_owned(),
                None => "no readable embedded schema".to_owned(),
            };
            let (differences, different) = match schema {
                Some(schema) => differences(schema, &encode(T::LAYOUT)),
                None => (Vec::new(), 0),
            };
            return Err(Error::SchemaMismatch {
                found: self.schema_hash,
                found_name,
                expected: T::SCHEMA_HASH,
                expected_name: T::LAYOUT.name,
                differences,
                different,
            });
        }
        self.check_root(size_of::<T::Raw>() as u64, align_of::<T::Raw>() as u64)
    }

    /// Checks the embedded schema, if there is one: inside the data in use, and
    /// hashing to the header's schema hash. Part of full validation; opening
    /// without validation reads only the header.
    ///
    /// # Safety
    ///
    /// The schema's bytes must not be written while this runs.
    pub(crate) unsafe fn check_schema(&self, data: FileRef<'_>) -> Result<()> {
        // SAFETY: the caller's promise.
        unsafe { self.schema_bytes(data) }.map(drop)
    }

    /// The embedded schema, checked against the schema hash; `None` if there is none.
    ///
    /// # Safety
    ///
    /// The schema's bytes must not be written while `'a` lasts.
    pub(crate) unsafe fn schema_bytes<'a>(&self, data: FileRef<'a>) -> Result<Option<&'a [u8]>> {
        if self.schema_len == 0 {
            return Ok(None);
        }
        let (offset, len) = (self.schema_offset, self.schema_len);
        let range =
            offset.checked_add(len).filter(|&end| offset >= HEADER_LEN && end <= data.len());
        let Some(end) = range else {
            return Err(header_error(
                "schema_offset",
                40,
                format!(
                    "an embedded schema of {len} bytes at offset {offset} lies outside the {} bytes in use",
                    data.len()
                ),
            ));
        };
        // SAFETY: the caller's promise; the range was checked just above.
        let Some(schema) = (unsafe { data.block::<u8>(offset, end - offset) }) else {
            unreachable!("the embedded schema's range was checked")
        };
        let found = crate::format::schema::hash_of(schema);
        if found != self.schema_hash {
            return Err(Error::SchemaCorrupt { offset, len, found, expected: self.schema_hash });
        }
        Ok(Some(schema))
    }
}
