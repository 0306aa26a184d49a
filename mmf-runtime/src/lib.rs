//! The runtime of [mmf](https://docs.rs/mmf): the file format, the mapping,
//! validation, views and the writer. Use it through the `mmf` crate, which
//! re-exports everything here together with `#[derive(Mapped)]`.
//!
//! # Example
//!
//! ```
//! // Built-in types work without the derive; structs use `#[derive(mmf::Mapped)]`.
//! let bytes = mmf_runtime::to_bytes(&vec![String::from("Pilatus"), String::from("Rigi")]);
//! let names = mmf_runtime::from_bytes::<Vec<String>>(&bytes)?;
//! assert_eq!(names.get(1), Some("Rigi"));
//! # Ok::<(), mmf_runtime::Error>(())
//! ```
//!
//! # Architecture
//!
//! Four layers, each a folder; a module imports only from its own layer and
//! the layers above it in this table (`.ci/layers` checks it, and that no
//! modules import each other in a circle outside `access/`):
//!
//! | layer | owns | imports |
//! |---|---|---|
//! | `format/` | what a file is: `header.rs` (the 64-byte header), `schema.rs` (the embedded schema's encoding and hash), `tables.rs` (reading its records), `diff.rs` (what differs between two schemas), `layout.rs` (the layout table of a type), `raw.rs` (stored forms: `RawStr`, `RawVec`, `RawOption`), `error.rs` | nothing |
//! | `access/` | the `Mapped` trait (`mapped.rs`) and what its methods take: `file_ref.rs` (checked offsets into a file image), `validate.rs` (the validator, and checking a header for a type), `write.rs` (the writer), `view.rs` (list views, in-place views); `impls.rs` (numbers, strings, lists, options, arrays) | `format` |
//! | `dynamic/` | reading by the embedded schema: `decode.rs` (`DynLayout`), `validate.rs`, `value.rs` (`DynValue` cursors), `resolve.rs` (a file of another version against the program's types), `compat.rs` (two versions' compatibility) | `format`, `access` |
//! | `storage/` | where bytes live: `bytes.rs` (in memory), `file.rs` (`MappedFile`, `MappedFileMut`), `shared/` (`SharedWriter`, `SharedReader`, `edit.rs`: `SharedWriter::set` by path), `dyn_file.rs` (`DynImage`, `DynFile`), `open.rs` (opening and creating by path while others replace files), `options.rs`, `lock.rs`, `map.rs`; `unix.rs` / `windows.rs` | all three |
//!
//! Where to look: validation of a list is `access/impls.rs` (its
//! `Mapped::validate`) with the block rules in `access/validate.rs`; the lock
//! on a shared file is `storage/shared/` with `storage/lock.rs`; how a string
//! is written is `access/impls.rs` (`write`) through `access/write.rs`. A new
//! stored kind adds its stored form to `format/raw.rs`, its `Mapped` impl and
//! views to `access/`, and its schema kind to `format/schema.rs` and
//! `dynamic/decode.rs`.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]
#![warn(missing_docs)]

mod access;
mod dynamic;
mod format;
mod storage;

pub use access::deep::MAX_NESTING;
pub use access::map::{MapKey, MapView, MapViewMut, SetView};
pub use access::mapped::{Frozen, Inline, Mapped, Plain};
pub use access::view::{Iter, IterMut, ListView, ListViewMut, Nested, NestedMut, ValueMut};
pub use dynamic::decode::{DynField, DynKind, DynLayout, DynVariant, FieldNotes};
pub use dynamic::value::{DynValue, ScalarValue};
pub use format::error::{Error, FieldPath, PathSegment, Problem, Result};
pub use format::header::{
    FLAG_LITTLE_ENDIAN, FLAG_SUPERSEDED, FORMAT_VERSION, HEADER_LEN, Header, MAGIC,
};
pub use format::layout::{
    DefaultImage, DefaultValue, FieldLayout, Kind, Layout, Scalar, VariantLayout,
};
pub use format::raw::{RawBox, RawData, RawMap, RawOption, RawStr, RawVec, map_key_hash};
pub use format::tuple::{self, RawTuple};
pub use storage::bytes::{
    AlignedBytes, BUFFER_ALIGN, Image, from_bytes, from_bytes_mut, from_bytes_owned,
    from_bytes_unchecked, to_bytes,
};
pub use storage::dyn_file::{DynFile, DynImage, upgrade_to_schema};
pub use storage::file::{MappedFile, MappedFileMut, upgrade};
pub use storage::in_place::{AnyVersionMut, ImageMut};
pub use storage::options::MapOptions;
pub use storage::shared::reader::SharedReader;
pub use storage::shared::writer::SharedWriter;

/// The embedded schema every file carries: its encoding ([`encode`](schema::encode),
/// laid out as the README's "File format" says), its [`hash`](schema::hash),
/// what differs between two ([`differences`](schema::differences)), and
/// whether two versions of a program read each other's files
/// ([`compatibility`](schema::compatibility), [`assert_compatible`](schema::assert_compatible)).
pub mod schema {
    pub use crate::dynamic::compat::{
        Compatibility, Verdict, assert_compatible, compatibility, compatibility_with,
    };
    pub use crate::dynamic::validate::notes_problem;
    pub use crate::format::schema::*;
}

/// What generated code names; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::access::deep::deep_or_panic;
    pub use crate::access::evolve::{
        DefaultOf, Evolved, NoDefault, default_image, evolved_discriminant, evolved_variant,
        field_read, field_view,
    };
    pub use crate::access::file_ref::{FileMut, FileRef};
    pub use crate::access::impls::{Indirect, Proxy, Recur, RecursiveType};
    pub use crate::access::map::{MapKey, tuple_key_hash};
    pub use crate::access::mapped::{
        Check, DebugView, FieldDebug, Frozen, Inline, IsInline, IsPlain, Mapped, Plain,
    };
    pub use crate::access::validate::Validator;
    pub use crate::access::view::{EvolvedRef, Nested, NestedMut, StructMut, StructRef, ValueMut};
    pub use crate::access::write::Writer;
    pub use crate::format::error::{Error, PathSegment, Problem, Result};
    pub use crate::format::layout::{
        DefaultValue, FieldLayout, Kind, Layout, Scalar, VariantLayout,
    };
    pub use crate::format::padding::{Align, Mod16};
    pub use crate::format::raw::RawData;
    pub use crate::format::raw::map_key_hash;
    pub use bytemuck;
    pub use core;
    pub use std::borrow::Cow;

    /// The padding to insert before field `index` of a `repr(C)` struct whose
    /// fields have the given `(size, align)`, so that the field lands at the
    /// offset `repr(C)` would give it; `index == fields.len()` gives the trailing
    /// padding up to the struct's alignment.
    pub const fn padding_before(fields: &[(usize, usize)], index: usize) -> usize {
        let mut end: usize = 0;
        let mut max_align = 1;
        let mut i = 0;
        while i < index {
            let (size, align) = fields[i];
            end = end.next_multiple_of(align) + size;
            if align > max_align {
                max_align = align;
            }
            i += 1;
        }
        let align = if index < fields.len() {
            fields[index].1
        } else {
            while i < fields.len() {
                if fields[i].1 > max_align {
                    max_align = fields[i].1;
                }
                i += 1;
            }
            max_align
        };
        end.next_multiple_of(align) - end
    }

    /// The largest size and the largest alignment among `(size, align)` pairs:
    /// the room an enum's stored form keeps for its variants' fields.
    pub const fn largest(pairs: &[(usize, usize)]) -> (usize, usize) {
        let (mut size, mut align) = (0, 1);
        let mut i = 0;
        while i < pairs.len() {
            if pairs[i].0 > size {
                size = pairs[i].0;
            }
            if pairs[i].1 > align {
                align = pairs[i].1;
            }
            i += 1;
        }
        (size, align)
    }

    /// A variant's stored fields at the start of an enum's payload bytes.
    ///
    /// # Panics
    ///
    /// If `payload` is shorter than `V` or not aligned for it; the derive
    /// places payloads so that neither can happen, and asserts it at compile time.
    #[inline]
    pub fn payload<V: bytemuck::Pod>(payload: &[u8]) -> &V {
        bytemuck::from_bytes(&payload[..size_of::<V>()])
    }

    /// [`payload`], writable.
    #[inline]
    pub fn payload_mut<V: bytemuck::Pod>(payload: &mut [u8]) -> &mut V {
        bytemuck::from_bytes_mut(&mut payload[..size_of::<V>()])
    }

    /// The stored form of a value written without a file: right for values
    /// whose stored form holds no offsets (`HAS_BLOCKS` is false).
    #[inline]
    pub fn write_inline<T: Mapped>(value: &T) -> T::Raw {
        value.write(&mut Writer::inline())
    }

    /// The sum of all padding `padding_before` inserts, trailing padding included.
    pub const fn padding_total(fields: &[(usize, usize)]) -> usize {
        let mut total = 0;
        let mut i = 0;
        while i <= fields.len() {
            total += padding_before(fields, i);
            i += 1;
        }
        total
    }

    /// Checks a type's layout at compile time, if the type is `Mapped`: a
    /// derived type names `Probe::<Ty>::CHECKED` in a `const` item with
    /// [`ProbeFallback`] in scope. When `Ty: Mapped` holds, the inherent
    /// constant is chosen, which evaluates the schema hash (walking the whole
    /// layout, where types that cannot be laid out fail) and checks that the
    /// stored form has no implicit padding. When it does not — a field's type
    /// is not `Mapped`, already reported once at that field — the trait's
    /// constant is chosen, and nothing more is reported.
    pub struct Probe<T>(core::marker::PhantomData<T>);

    impl<T: Mapped> Probe<T> {
        /// Evaluates the checks.
        pub const CHECKED: () = {
            let _ = T::SCHEMA_HASH;
            assert!(no_implicit_padding(T::LAYOUT), "the mirror struct has implicit padding");
        };
    }

    /// What `Probe::<T>::CHECKED` is when `T` is not `Mapped`: nothing.
    pub trait ProbeFallback {
        /// Nothing to check.
        const CHECKED: () = ();
    }
    impl<T> ProbeFallback for Probe<T> {}

    /// The size and alignment of `T`'s stored form, for the padding of a
    /// mirror struct (`Measure::<T>::SIZE` with [`MeasureFallback`] in scope).
    /// If `T` is not `Mapped` — reported once at the field — the fallback's
    /// 0 and 1 are used, and the padding computations raise no more errors.
    pub struct Measure<T>(core::marker::PhantomData<T>);

    impl<T: Mapped> Measure<T> {
        /// `size_of::<T::Raw>()`.
        pub const SIZE: usize = size_of::<T::Raw>();
        /// `align_of::<T::Raw>()`.
        pub const ALIGN: usize = align_of::<T::Raw>();
    }

    /// What `Measure::<T>` says when `T` is not `Mapped`.
    pub trait MeasureFallback {
        /// Nothing.
        const SIZE: usize = 0;
        /// The smallest alignment.
        const ALIGN: usize = 1;
    }
    impl<T> MeasureFallback for Measure<T> {}

    /// The size of a `repr(C)` struct of fields with these `(size, align)`.
    pub const fn struct_size(fields: &[(usize, usize)]) -> usize {
        let mut total = padding_total(fields);
        let mut i = 0;
        while i < fields.len() {
            total += fields[i].0;
            i += 1;
        }
        total
    }

    /// Whether a struct's fields and padding (as `padding_before` places it)
    /// add up to its size; true for other kinds.
    pub const fn no_implicit_padding(layout: &Layout) -> bool {
        let Kind::Struct(fields) = layout.kind else { return true };
        let mut end: usize = 0;
        let mut max_align = 1;
        let mut i = 0;
        while i < fields.len() {
            let align = fields[i].layout.align;
            end = end.next_multiple_of(align) + fields[i].size;
            if align > max_align {
                max_align = align;
            }
            if fields[i].offset + fields[i].size != end {
                return false;
            }
            i += 1;
        }
        end.next_multiple_of(max_align) == layout.size
    }

    /// The offset of field `name` of a struct's layout (`usize::MAX` if it
    /// has none), for `#[mmf(offset = N)]` pins.
    pub const fn field_offset(layout: &Layout, name: &str) -> usize {
        let Kind::Struct(fields) = layout.kind else { return usize::MAX };
        let mut i = 0;
        while i < fields.len() {
            let (a, b) = (fields[i].name.as_bytes(), name.as_bytes());
            if a.len() == b.len() {
                let mut j = 0;
                while j < a.len() && a[j] == b[j] {
                    j += 1;
                }
                if j == a.len() {
                    return fields[i].offset;
                }
            }
            i += 1;
        }
        usize::MAX
    }

    /// A compile-time message with a number in it, for `const` assertions.
    pub struct Message {
        buf: [u8; 256],
        len: usize,
    }

    impl Message {
        /// An empty message.
        pub const fn new() -> Self {
            Message { buf: [0; 256], len: 0 }
        }

        /// Appends text (cut at 256 bytes).
        pub const fn text(mut self, s: &str) -> Self {
            let bytes = s.as_bytes();
            let mut i = 0;
            while i < bytes.len() && self.len < self.buf.len() {
                self.buf[self.len] = bytes[i];
                self.len += 1;
                i += 1;
            }
            self
        }

        /// Appends a number in decimal.
        pub const fn number(mut self, mut n: u64) -> Self {
            let mut digits = [0u8; 20];
            let mut count = 0;
            loop {
                digits[count] = b'0' + (n % 10) as u8;
                count += 1;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            while count > 0 && self.len < self.buf.len() {
                count -= 1;
                self.buf[self.len] = digits[count];
                self.len += 1;
            }
            self
        }

        /// Appends a number as `0x` and 16 hex digits.
        pub const fn hex(mut self, n: u64) -> Self {
            self = self.text("0x");
            let mut shift = 64;
            while shift > 0 && self.len < self.buf.len() {
                shift -= 4;
                let d = ((n >> shift) & 0xf) as u8;
                self.buf[self.len] = if d < 10 { b'0' + d } else { b'a' + d - 10 };
                self.len += 1;
            }
            self
        }

        /// Appends a type's name as Rust writes it: `Vec<Coord>`, `[u8; 4]`.
        pub const fn type_name(self, layout: &Layout) -> Self {
            match layout.kind {
                Kind::Scalar(s) => self.text(s.name()),
                Kind::Str => self.text("String"),
                Kind::List(inner) => self.text("Vec<").type_name(inner).text(">"),
                Kind::Option(inner) => self.text("Option<").type_name(inner).text(">"),
                Kind::Box(inner) => self.text("Box<").type_name(inner).text(">"),
                Kind::Map { key, value: Some(value), .. } => self
                    .text(layout.name)
                    .text("<")
                    .type_name(key)
                    .text(", ")
                    .type_name(value)
                    .text(">"),
                Kind::Map { key, value: None, .. } => {
                    self.text(layout.name).text("<").type_name(key).text(">")
                }
                Kind::Array { element, len } => {
                    self.text("[").type_name(element).text("; ").number(len as u64).text("]")
                }
                Kind::Struct(_) | Kind::Enum { .. } | Kind::Recursive => self.text(layout.name),
            }
        }

        /// The message so far.
        pub const fn as_str(&self) -> &str {
            match core::str::from_utf8(self.buf.split_at(self.len).0) {
                Ok(s) => s,
                Err(_) => "invalid message",
            }
        }
    }

    impl Default for Message {
        fn default() -> Self {
            Self::new()
        }
    }
}
