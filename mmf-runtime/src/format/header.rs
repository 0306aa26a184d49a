//! The 64-byte header at offset 0 of every mmf file.

use core::sync::atomic::{AtomicU64, Ordering, fence};

use bytemuck::{Pod, Zeroable};

use crate::format::error::{Error, Result};

/// The header's length; the root object starts at or after it.
pub const HEADER_LEN: u64 = 64;
/// The eight bytes every mmf file starts with. Like PNG's, they contain a
/// non-ASCII byte, a CR LF pair and a Ctrl-Z, so text-mode transfers that would
/// corrupt the file are detected.
pub const MAGIC: [u8; 8] = *b"\x89MMF\r\n\x1a\n";
/// The file format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Flag bit 0: the producer was little-endian.
pub const FLAG_LITTLE_ENDIAN: u32 = 1;
/// Flag bit 1: a shared writer has replaced this file with a compacted copy
/// (see [`SharedWriter::compact`](crate::SharedWriter::compact)); its data is
/// still valid, but new versions go to the file now at its path.
pub const FLAG_SUPERSEDED: u32 = 2;
const KNOWN_FLAGS: u32 = FLAG_LITTLE_ENDIAN | FLAG_SUPERSEDED;
const NATIVE_FLAGS: u32 = if cfg!(target_endian = "little") { FLAG_LITTLE_ENDIAN } else { 0 };

/// The 64-byte header at offset 0, in the producer's byte order.
///
/// # Example
///
/// ```
/// let bytes = mmf_runtime::to_bytes(&String::from("hi"));
/// let header = mmf_runtime::Header::read(&bytes).unwrap();
/// assert_eq!(header.schema_hash, <String as mmf_runtime::Mapped>::SCHEMA_HASH);
/// assert_eq!(header.data_len, bytes.len() as u64);
/// ```
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct Header {
    /// [`MAGIC`].
    pub magic: [u8; 8],
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// Bit 0: little-endian producer ([`FLAG_LITTLE_ENDIAN`]); bit 1: superseded
    /// by a compacted copy ([`FLAG_SUPERSEDED`]); the other bits are zero.
    pub flags: u32,
    /// `T::SCHEMA_HASH` of the root type.
    pub schema_hash: u64,
    /// Where the root's stored form starts.
    pub root_offset: u64,
    /// Bytes in use; the file may be longer.
    pub data_len: u64,
    /// Where the embedded schema starts (0 if there is none).
    pub schema_offset: u64,
    /// The embedded schema's length (0 if there is none).
    pub schema_len: u64,
    /// 0 for a freshly created file; a shared writer adds 2 on every publish
    /// (odd while it switches versions).
    pub generation: u64,
}

const _: () = assert!(size_of::<Header>() == HEADER_LEN as usize);

/// The header's words, as [`Header::load`] reads them and a shared writer stores them.
pub(crate) const ROOT_WORD: usize = 3;
pub(crate) const DATA_LEN_WORD: usize = 4;
pub(crate) const GENERATION_WORD: usize = 7;
/// The flags share a word with the format version.
pub(crate) const FLAGS_WORD: usize = 1;
const SNAPSHOT_ATTEMPTS: u32 = 64;

impl Header {
    pub(crate) fn new(
        schema_hash: u64,
        root_offset: u64,
        data_len: u64,
        schema_offset: u64,
        schema_len: u64,
    ) -> Self {
        Header {
            magic: MAGIC,
            version: FORMAT_VERSION,
            flags: NATIVE_FLAGS,
            schema_hash,
            root_offset,
            data_len,
            schema_offset,
            schema_len,
            generation: 0,
        }
    }

    /// Reads the header from the start of `bytes` and checks what can be checked
    /// without knowing the root type: length, magic, version, byte order, flags.
    ///
    /// # Errors
    ///
    /// [`Error::Empty`], [`Error::TruncatedHeader`], [`Error::WrongMagic`],
    /// [`Error::UnsupportedVersion`], [`Error::ByteOrder`], [`Error::UnknownFlags`].
    pub fn read(bytes: &[u8]) -> Result<Header> {
        if bytes.is_empty() {
            return Err(Error::Empty);
        }
        let Some(head) = bytes.get(..HEADER_LEN as usize) else {
            return Err(Error::TruncatedHeader { len: bytes.len() as u64 });
        };
        let header: Header = bytemuck::pod_read_unaligned(head);
        if header.magic != MAGIC {
            return Err(Error::WrongMagic { found: header.magic });
        }
        if header.version != FORMAT_VERSION {
            if header.version.swap_bytes() == FORMAT_VERSION {
                return Err(byte_order_error(NATIVE_FLAGS ^ FLAG_LITTLE_ENDIAN));
            }
            return Err(Error::UnsupportedVersion {
                found: header.version,
                supported: FORMAT_VERSION,
            });
        }
        if header.flags & !KNOWN_FLAGS != 0 {
            return Err(Error::UnknownFlags { flags: header.flags });
        }
        if header.flags & FLAG_LITTLE_ENDIAN != NATIVE_FLAGS {
            return Err(byte_order_error(header.flags));
        }
        Ok(header)
    }

    /// Reads the header of a mapping that a shared writer may be changing, with
    /// atomic loads, so that the root offset, data length and generation belong
    /// to one version. Then checks it as [`Header::read`] does.
    ///
    /// # Safety
    ///
    /// `base` must be 8-aligned and valid for reads of [`HEADER_LEN`] bytes, and
    /// in this process those bytes may only be written with atomic stores while
    /// this runs.
    pub(crate) unsafe fn load(base: *const u8) -> Result<Header> {
        let mut words = [0u64; 8];
        for _ in 0..SNAPSHOT_ATTEMPTS {
            // SAFETY: the caller's promise: aligned, readable, written only atomically.
            let word =
                |i: usize| unsafe { AtomicU64::from_ptr(base.cast::<u64>().add(i).cast_mut()) };
            let before = word(GENERATION_WORD).load(Ordering::Acquire);
            // Root offset (word 3) before data length (word 4): the writer stores
            // them in the other order, so a new root is never seen with an old length.
            for (i, w) in words.iter_mut().enumerate() {
                *w = word(i).load(Ordering::Acquire);
            }
            fence(Ordering::Acquire);
            let after = word(GENERATION_WORD).load(Ordering::Relaxed);
            if before == after && before.is_multiple_of(2) {
                break;
            }
            // An odd generation lasts three stores, unless the writer was
            // stopped or killed in between. Root and length are consistent in
            // every state the writer passes through, so after a few tries the
            // last words read are used as they are.
            std::hint::spin_loop();
        }
        Header::read(bytemuck::bytes_of(&words))
    }

    /// Checks that the data in use holds the header and fits in a file of
    /// `file_len` bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Header`] naming the `data_len` field.
    ///
    /// # Example
    ///
    /// ```
    /// let bytes = mmf_runtime::to_bytes(&7u32);
    /// let header = mmf_runtime::Header::read(&bytes)?;
    /// assert!(header.check_data_len(bytes.len() as u64).is_ok());
    /// assert!(header.check_data_len(bytes.len() as u64 - 1).is_err());
    /// # Ok::<(), mmf_runtime::Error>(())
    /// ```
    pub fn check_data_len(&self, file_len: u64) -> Result<()> {
        if self.data_len < HEADER_LEN || self.data_len > file_len {
            return Err(header_error(
                "data_len",
                32,
                format!(
                    "{} bytes in use, but the file has {file_len} bytes (and the header alone 64)",
                    self.data_len
                ),
            ));
        }
        Ok(())
    }

    /// Checks that a root of `size` bytes aligned to `align` lies after the
    /// header, aligned, inside the data in use.
    ///
    /// # Errors
    ///
    /// [`Error::Header`] naming the `root_offset` field.
    pub fn check_root(&self, size: u64, align: u64) -> Result<()> {
        let root = self.root_offset;
        if root < HEADER_LEN
            || !root.is_multiple_of(align)
            || root.checked_add(size).is_none_or(|end| end > self.data_len)
        {
            return Err(header_error(
                "root_offset",
                24,
                format!(
                    "the root object ({size} bytes, aligned to {align}) cannot start at offset {root} of {} bytes in use",
                    self.data_len
                ),
            ));
        }
        Ok(())
    }

    /// The embedded schema's byte range, if there is one (validation counts it as a block).
    pub(crate) fn schema_block(&self) -> Option<(u64, u64)> {
        (self.schema_len > 0).then(|| (self.schema_offset, self.schema_offset + self.schema_len))
    }
}

pub(crate) fn header_error(field: &'static str, offset: u64, problem: String) -> Error {
    Error::Header { field, offset, problem }
}

fn byte_order_error(file_flags: u32) -> Error {
    let name = |flags: u32| {
        if flags & FLAG_LITTLE_ENDIAN != 0 { "little-endian" } else { "big-endian" }
    };
    Error::ByteOrder { file: name(file_flags), this: name(NATIVE_FLAGS) }
}
