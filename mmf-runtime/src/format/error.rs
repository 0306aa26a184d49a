//! [`Error`]: everything that can go wrong, with what and where.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// The result type of mmf's fallible functions.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong opening, validating or writing an mmf file.
///
/// `Display` says what is wrong and where: the file, the byte offset and, for
/// problems inside the object graph, the field path (`hikes[3].gps_track`).
///
/// # Example
///
/// ```
/// let err = mmf_runtime::from_bytes::<u64>(&mmf_runtime::AlignedBytes::zeroed(10)).unwrap_err();
/// assert_eq!(err.to_string(), "truncated header: the data has 10 bytes, an mmf header needs 64");
/// ```
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system refused an operation on the file.
    #[error("{action} `{}`: {source}", path.display())]
    Io {
        /// What mmf was doing: "cannot open", "cannot map", …
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Another process (or another handle in this one) holds a conflicting lock.
    #[error("`{}` is locked: {holder}", path.display())]
    Locked {
        /// The file.
        path: PathBuf,
        /// Who holds the lock, as far as the lock mode tells.
        holder: &'static str,
    },
    /// A conflicting lock was still held when the wait set with
    /// [`MapOptions::timeout`](crate::MapOptions::timeout) ran out.
    #[error("`{}` is still locked after waiting {waited:?}: {holder}", path.display())]
    LockTimeout {
        /// The file.
        path: PathBuf,
        /// How long mmf waited.
        waited: std::time::Duration,
        /// Who holds the lock, as far as the lock mode tells.
        holder: &'static str,
    },
    /// The path named another file at every try to open it: something replaces
    /// the file faster than it can be opened.
    #[error("`{}` was replaced by another file at each of {tries} tries to open it", path.display())]
    Unsettled {
        /// The file.
        path: PathBuf,
        /// How many times mmf tried.
        tries: u32,
    },
    /// The file or buffer holds no bytes at all.
    #[error("the data is empty (0 bytes); an mmf file starts with a 64-byte header")]
    Empty,
    /// Fewer bytes than the 64-byte header.
    #[error("truncated header: the data has {len} bytes, an mmf header needs 64")]
    TruncatedHeader {
        /// Bytes available.
        len: u64,
    },
    /// The first eight bytes are not mmf's magic number.
    #[error("wrong magic {found:02x?} at offset 0: not an mmf file")]
    WrongMagic {
        /// The bytes found.
        found: [u8; 8],
    },
    /// A format version this build cannot read.
    #[error("format version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion {
        /// The version in the header.
        found: u32,
        /// The version this build writes and reads.
        supported: u32,
    },
    /// The file was written on a machine of the other byte order.
    #[error("byte order: the file was written by a {file} producer, this machine is {this}")]
    ByteOrder {
        /// `little-endian` or `big-endian`.
        file: &'static str,
        /// `little-endian` or `big-endian`.
        this: &'static str,
    },
    /// Header flag bits this build does not know.
    #[error("unknown header flags {flags:#x} at offset 12")]
    UnknownFlags {
        /// The flags word.
        flags: u32,
    },
    /// The file holds another root type than the one asked for.
    #[error(
        "file holds schema {found:#018x} ({found_name}), expected {expected:#018x} ({expected_name}){}",
        differences_text(differences, *different)
    )]
    SchemaMismatch {
        /// The schema hash in the file.
        found: u64,
        /// The root type's name from the file's embedded schema, or a note that it has none.
        found_name: String,
        /// `T::SCHEMA_HASH`.
        expected: u64,
        /// The name of `T`.
        expected_name: &'static str,
        /// The first differences between the file's embedded schema and `T`'s,
        /// by field path (`hikes[_].gps_track[_].t: u64, new in this program: the
        /// file lacks it`); empty if the file's schema cannot be read.
        differences: Vec<String>,
        /// How many differences there are in all.
        different: usize,
    },
    /// The file stores the root type as another version of the program
    /// does, which this program can read (see the README's "Changing your
    /// types"), but not through the function called.
    #[error(
        "the file stores `{type_name}` as another version of the program does{}; {remedy}",
        differences_text(differences, differences.len())
    )]
    OtherVersion {
        /// The root type's name.
        type_name: &'static str,
        /// What differs, by field path.
        differences: Vec<String>,
        /// What to do instead.
        remedy: &'static str,
    },
    /// A value of a file written by another version of the program cannot
    /// be changed in place ([`ImageMut::get_mut`](crate::ImageMut::get_mut),
    /// [`ImageMut::set`](crate::ImageMut::set), and the same methods of
    /// [`AnyVersionMut`](crate::AnyVersionMut)): the file lacks it, stores
    /// it otherwise than the type asked for, or cannot hold the value given.
    #[error(
        "`{path}` cannot be changed in place: {problem}; rewrite the file in this program's layout first, with `mmf::upgrade` (or `mmf upgrade FILE --to SCHEMA`)"
    )]
    NotInPlace {
        /// The path asked for.
        path: String,
        /// What the file stores there, or where the path leaves it.
        problem: String,
    },
    /// A file cannot be rewritten in the layout of another schema (`mmf
    /// upgrade FILE --to SCHEMA`): its root type `from` is not the target's
    /// `to`, or a difference or a value the target cannot hold.
    #[error(
        "the file's `{from}` cannot be rewritten as the schema's `{to}`{}",
        differences_text(reasons, reasons.len())
    )]
    CannotConvert {
        /// The file's root type.
        from: String,
        /// The target schema's root type.
        to: String,
        /// Why, by field path.
        reasons: Vec<String>,
    },
    /// A header field is out of range.
    #[error("header field `{field}` at offset {offset}: {problem}")]
    Header {
        /// The field's name.
        field: &'static str,
        /// The field's offset in the header.
        offset: u64,
        /// What is wrong with it.
        problem: String,
    },
    /// The embedded schema does not match the header's schema hash.
    #[error(
        "embedded schema at offset {offset} ({len} bytes) hashes to {found:#018x}, the header says {expected:#018x}"
    )]
    SchemaCorrupt {
        /// Where the schema starts.
        offset: u64,
        /// Its length.
        len: u64,
        /// FNV-1a of the bytes found.
        found: u64,
        /// The header's schema hash.
        expected: u64,
    },
    /// The file carries no embedded schema, which reading it without its Rust
    /// type needs.
    #[error("the file has no embedded schema: it can only be read with its Rust type")]
    NoSchema,
    /// The embedded schema could not be read.
    #[error("embedded schema, byte {at}: {problem}")]
    SchemaUnreadable {
        /// Where in the schema reading stopped.
        at: u64,
        /// What is wrong there.
        problem: String,
    },
    /// A path names no value of the file.
    #[error("no `{step}` after `{found}` in the path `{path}`")]
    NoSuchPath {
        /// The whole path.
        path: String,
        /// The part of it that was found.
        found: String,
        /// The step that was not.
        step: String,
    },
    /// A value of another type than the one at a path was given for it.
    #[error("`{path}` holds a {found}, not a {given}")]
    PathType {
        /// The path.
        path: String,
        /// The type at the path, from the file's schema.
        found: String,
        /// The type of the value given.
        given: String,
    },
    /// Something inside the object graph is invalid.
    #[error("{path}: {problem}")]
    Invalid {
        /// Where in the object graph: `hikes[3].gps_track`, or `root`.
        path: FieldPath,
        /// What is wrong.
        problem: Problem,
    },
    /// An in-memory buffer is not aligned as the stored types need.
    #[error(
        "the buffer at address {address:#x} is not aligned to {align} bytes; copy it into `AlignedBytes`"
    )]
    MisalignedBuffer {
        /// The buffer's address.
        address: usize,
        /// The alignment needed.
        align: usize,
    },
    /// The value is too large to be addressed by this machine.
    #[error("the value needs {bytes} bytes, more than this machine can map")]
    TooLarge {
        /// The size needed.
        bytes: u64,
    },
}

/// What is wrong at one place of the object graph; see [`Error::Invalid`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A block does not fit inside the data in use.
    OutOfBounds {
        /// Where the block starts.
        offset: u64,
        /// How many elements it holds.
        len: u64,
        /// Bytes per element.
        element_size: u64,
        /// Bytes in use.
        data_len: u64,
    },
    /// `len * element_size` or `offset + size` does not fit in 64 bits.
    Overflow {
        /// Where the block starts.
        offset: u64,
        /// How many elements it holds.
        len: u64,
        /// Bytes per element.
        element_size: u64,
    },
    /// A block does not start at a multiple of its element's alignment.
    Misaligned {
        /// Where the block starts.
        offset: u64,
        /// The alignment needed.
        align: u64,
    },
    /// A block starts inside the 64-byte header.
    OverlapsHeader {
        /// Where the block starts.
        offset: u64,
    },
    /// A block shares bytes with another block, or with the root object.
    Overlap {
        /// Where the block starts.
        offset: u64,
        /// Where it ends.
        end: u64,
        /// The start and end of the block it overlaps.
        other: (u64, u64),
    },
    /// A string is not UTF-8.
    InvalidUtf8 {
        /// Where the string starts.
        offset: u64,
        /// The index of the first invalid byte within the string.
        at: u64,
    },
    /// A `bool` byte other than 0 or 1.
    InvalidBool {
        /// Where the byte is.
        offset: u64,
        /// The byte.
        value: u8,
    },
    /// A `char` that is not a Unicode scalar value.
    InvalidChar {
        /// Where the value is.
        offset: u64,
        /// The value.
        value: u32,
    },
    /// An `Option` tag other than 0 or 1.
    InvalidOptionTag {
        /// Where the tag is.
        offset: u64,
        /// The tag.
        value: u8,
    },
    /// A map or set whose lists do not fit together, or whose hash index is
    /// not the one its keys give.
    InvalidMap {
        /// Where the map's stored form is.
        offset: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// An enum discriminant that names no variant.
    UnknownDiscriminant {
        /// Where the discriminant is.
        offset: u64,
        /// The discriminant.
        value: u64,
        /// The enum's name.
        enum_name: std::borrow::Cow<'static, str>,
    },
    /// A value of an enum variant the program reading the file does not
    /// know (the file was written by a newer version of it), and the enum
    /// has no `#[mmf(other)]` variant to read such values as.
    UnknownVariant {
        /// Where the discriminant is.
        offset: u64,
        /// The variant's name, from the file's embedded schema.
        variant: std::borrow::Cow<'static, str>,
        /// The enum's name.
        enum_name: std::borrow::Cow<'static, str>,
    },
    /// A recursive type nested in itself more than
    /// [`MAX_NESTING`](crate::MAX_NESTING) times: more than a legitimate file
    /// holds, and more than reading it could afford.
    NestedTooDeep {
        /// Where the value that would nest once more is.
        offset: u64,
        /// How deep it would nest.
        levels: u32,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Problem::OutOfBounds { offset, len, element_size, data_len } => write!(
                f,
                "block at offset {offset} with {len} elements of {element_size} bytes ends past the end of the file ({data_len} bytes)"
            ),
            Problem::Overflow { offset, len, element_size } => write!(
                f,
                "block at offset {offset} with {len} elements of {element_size} bytes: the size overflows 64 bits"
            ),
            Problem::Misaligned { offset, align } => {
                write!(f, "block at offset {offset} is not aligned to {align} bytes")
            }
            Problem::OverlapsHeader { offset } => {
                write!(f, "block at offset {offset} overlaps the 64-byte header")
            }
            Problem::Overlap { offset, end, other: (start, other_end) } => write!(
                f,
                "block at bytes {offset}..{end} overlaps bytes {start}..{other_end} of another block; a valid file never points two fields at the same bytes"
            ),
            Problem::InvalidUtf8 { offset, at } => {
                write!(f, "invalid UTF-8 at byte {at} (string at offset {offset})")
            }
            Problem::InvalidBool { offset, value } => {
                write!(f, "invalid bool {value} at offset {offset} (must be 0 or 1)")
            }
            Problem::InvalidChar { offset, value } => {
                write!(f, "invalid char {value:#x} at offset {offset} (not a Unicode scalar value)")
            }
            Problem::InvalidOptionTag { offset, value } => {
                write!(f, "invalid Option tag {value} at offset {offset} (must be 0 or 1)")
            }
            Problem::NestedTooDeep { offset, levels } => write!(
                f,
                "the value at offset {offset} nests {levels} levels deep in its own type, more than the {} mmf reads",
                crate::format::layout::MAX_NESTING
            ),
            Problem::InvalidMap { offset, reason } => {
                write!(f, "the map at offset {offset} is invalid: {reason}")
            }
            Problem::UnknownVariant { offset, ref variant, ref enum_name } => write!(
                f,
                "variant `{variant}` of enum `{enum_name}` at offset {offset} is unknown to this program (the file was written by a newer version); give one variant `#[mmf(other)]` to read such values as it"
            ),
            Problem::UnknownDiscriminant { offset, value, ref enum_name } => {
                write!(f, "unknown discriminant {value} for enum `{enum_name}` at offset {offset}")
            }
        }
    }
}

/// A place in the object graph: field names and list indices from the root.
///
/// Displays as `hikes[3].gps_track`, or `root` for the root object itself.
///
/// ```
/// use mmf_runtime::{FieldPath, PathSegment};
/// let path = FieldPath::from(vec![
///     PathSegment::Field("hikes".into()),
///     PathSegment::Index(3),
///     PathSegment::Field("date".into()),
/// ]);
/// assert_eq!(path.to_string(), "hikes[3].date");
/// assert_eq!(FieldPath::default().to_string(), "root");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath {
    /// The segments from the innermost outwards: validation adds each
    /// segment as an error travels up, and a value of a recursive type may
    /// sit a million segments deep.
    inward: Vec<PathSegment>,
}

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A struct field: a name from the Rust type, or from a file's embedded
    /// schema when read without the type.
    Field(std::borrow::Cow<'static, str>),
    /// An element of a list or array.
    Index(u64),
    /// The value inside `Some`.
    Some,
}

impl FieldPath {
    /// The segments from the root outwards.
    pub fn segments(
        &self,
    ) -> impl DoubleEndedIterator<Item = &PathSegment> + ExactSizeIterator + Clone {
        self.inward.iter().rev()
    }
}

impl From<Vec<PathSegment>> for FieldPath {
    fn from(mut segments: Vec<PathSegment>) -> Self {
        segments.reverse();
        FieldPath { inward: segments }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.inward.is_empty() {
            return f.write_str("root");
        }
        for (i, segment) in self.segments().enumerate() {
            match segment {
                PathSegment::Field(name) if i == 0 => f.write_str(name)?,
                PathSegment::Field(name) => write!(f, ".{name}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
                PathSegment::Some => f.write_str("?")?,
            }
        }
        Ok(())
    }
}

impl Error {
    /// Prefixes the field path of an [`Error::Invalid`] with `segment`; validation
    /// adds segments as an error travels up from where it was found.
    #[must_use]
    pub(crate) fn within(mut self, segment: PathSegment) -> Self {
        if let Error::Invalid { path, .. } = &mut self {
            path.inward.push(segment);
        }
        self
    }

    pub(crate) fn invalid(problem: Problem) -> Self {
        Error::Invalid { path: FieldPath::default(), problem }
    }
}

/// The same message as `Display`, so that `fn main() -> mmf::Result<()>` and
/// `unwrap` print what is wrong and where — hashes in hex, field paths as
/// paths — rather than the variant's fields in decimal.
///
/// ```
/// let err = mmf_runtime::from_bytes::<u64>(&mmf_runtime::to_bytes(&1u32)).unwrap_err();
/// assert_eq!(format!("{err:?}"), err.to_string());
/// assert!(format!("{err:?}").contains("expected 0x"));
/// ```
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `: first; second; … and N more` after a schema mismatch's hashes.
fn differences_text(shown: &[String], all: usize) -> String {
    if shown.is_empty() {
        return String::new();
    }
    let more = all.saturating_sub(shown.len());
    let more = if more > 0 { format!("; and {more} more") } else { String::new() };
    format!(": {}{more}", shown.join("; "))
}
