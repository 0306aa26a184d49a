//! The stored forms of built-in types: [`RawStr`], [`RawVec`], [`RawBox`], [`RawOption`].
//!
//! A stored form is plain data ([`bytemuck::Pod`]): any bytes are a value of it,
//! it has no implicit padding, and it holds offsets, never pointers. Offsets are
//! absolute (bytes from the start of the file) so a stored form means nothing
//! without the file it came from; views carry the file.
//!
//! ```
//! use mmf_runtime::{Mapped, RawStr};
//!
//! let bytes = mmf_runtime::to_bytes(&vec![String::from("Rigi")]);
//! let names = mmf_runtime::from_bytes::<Vec<String>>(&bytes)?;
//! let raw: &RawStr = &names.as_slice()[0];
//! assert_eq!(raw.len, 4);
//! assert_eq!(&bytes[raw.offset as usize..][..4], b"Rigi"); // absolute offset
//! # Ok::<(), mmf_runtime::Error>(())
//! ```

use core::fmt;
use core::marker::PhantomData;

use bytemuck::{Pod, Zeroable};

use crate::format::padding::{Align, Alignment, ArrayMod16, Mod16, SumMod16};

/// A stored form: plain data that may appear in a file.
///
/// # Safety
///
/// `OptionPad` must be `[u8; align_of::<Self>() - 1]`, so that a one-byte tag,
/// then `OptionPad`, then `Self` (as in [`RawOption`]) leaves no implicit padding.
/// `SizeMod16` must evaluate to `Mod16<{ size_of::<Self>() % 16 }>` and `Align`
/// must be `Align<{ align_of::<Self>() }>` (at most 16): tuples are padded by
/// them (see [`RawTuple`](crate::RawTuple)). The derive implements this trait
/// for every mirror struct and checks the lengths at compile time.
pub unsafe trait RawData: Pod + fmt::Debug {
    /// The padding between an `Option`'s tag byte and a value of this type.
    type OptionPad: Pod;
    /// `size_of::<Self>() % 16` as a [`Mod16`](crate::tuple::Mod16),
    /// or an expression of them evaluated when a tuple needs it.
    type SizeMod16;
    /// `align_of::<Self>()` as an [`Align`](crate::tuple::Align).
    type Align: Alignment;
}

macro_rules! raw_data_for_numbers {
    ($($t:ty),*) => {$(
        // SAFETY: the array length is `align_of::<$t>() - 1`, as the trait requires.
        unsafe impl RawData for $t {
            type OptionPad = [u8; core::mem::align_of::<$t>() - 1];
            type SizeMod16 = Mod16<{ core::mem::size_of::<$t>() % 16 }>;
            type Align = Align<{ core::mem::align_of::<$t>() }>;
        }
    )*};
}
raw_data_for_numbers!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, f32, f64);

// SAFETY: `()` has size 0 and alignment 1, so the padding is `[u8; 0]`.
unsafe impl RawData for () {
    type OptionPad = [u8; 0];
    type SizeMod16 = Mod16<0>;
    type Align = Align<1>;
}

// SAFETY: an array has the alignment of its element, so the element's padding
// fits; its size is `N` times the element's.
unsafe impl<R: RawData, const N: usize> RawData for [R; N] {
    type OptionPad = R::OptionPad;
    type SizeMod16 = ArrayMod16<R::SizeMod16, N>;
    type Align = R::Align;
}

/// The stored form of `String` and `Box<str>`: `len` bytes of UTF-8 at `offset`.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Default, Pod, Zeroable)]
pub struct RawStr {
    /// Bytes from the start of the file; 0 when `len` is 0.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

// SAFETY: `RawStr` has size 16 and alignment 8 (two `u64`s); the padding is 7 bytes.
unsafe impl RawData for RawStr {
    type OptionPad = [u8; 7];
    type SizeMod16 = Mod16<0>;
    type Align = Align<8>;
}

impl fmt::Debug for RawStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawStr {{ offset: {}, len: {} }}", self.offset, self.len)
    }
}

/// The stored form of `Vec<T>` and `Box<[T]>`: `len` elements of `R` (the
/// element's stored form) at `offset`.
#[repr(C)]
pub struct RawVec<R> {
    /// Bytes from the start of the file; 0 when `len` is 0.
    pub offset: u64,
    /// Number of elements.
    pub len: u64,
    _element: PhantomData<R>,
}

impl<R> RawVec<R> {
    /// A list of `len` elements at `offset`.
    pub const fn new(offset: u64, len: u64) -> Self {
        RawVec { offset, len, _element: PhantomData }
    }
}

impl<R> Clone for RawVec<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for RawVec<R> {}
impl<R> PartialEq for RawVec<R> {
    fn eq(&self, other: &Self) -> bool {
        (self.offset, self.len) == (other.offset, other.len)
    }
}
impl<R> Eq for RawVec<R> {}
impl<R> Default for RawVec<R> {
    fn default() -> Self {
        RawVec::new(0, 0)
    }
}
impl<R> fmt::Debug for RawVec<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawVec {{ offset: {}, len: {} }}", self.offset, self.len)
    }
}

// SAFETY: two `u64` fields and a zero-sized marker: `repr(C)` places them at 0 and
// 8 with no padding, every bit pattern is valid, and all zeroes is `new(0, 0)`.
unsafe impl<R: 'static> Zeroable for RawVec<R> {}
// SAFETY: as above; `R` only appears in `PhantomData`, so it needs no bound.
unsafe impl<R: 'static> Pod for RawVec<R> {}
// SAFETY: size 16, alignment 8 (two `u64`s), padding of 7 bytes.
unsafe impl<R: 'static> RawData for RawVec<R> {
    type OptionPad = [u8; 7];
    type SizeMod16 = Mod16<0>;
    type Align = Align<8>;
}

/// The stored form of `Box<T>`: the offset of a block holding one `R` (the
/// value's stored form).
#[repr(C)]
pub struct RawBox<R> {
    /// Bytes from the start of the file.
    pub offset: u64,
    _value: PhantomData<R>,
}

impl<R> RawBox<R> {
    /// A box whose value is at `offset`.
    pub const fn new(offset: u64) -> Self {
        RawBox { offset, _value: PhantomData }
    }
}

impl<R> Clone for RawBox<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for RawBox<R> {}
impl<R> PartialEq for RawBox<R> {
    fn eq(&self, other: &Self) -> bool {
        self.offset == other.offset
    }
}
impl<R> Eq for RawBox<R> {}
impl<R> fmt::Debug for RawBox<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawBox {{ offset: {} }}", self.offset)
    }
}

// SAFETY: one `u64` and a zero-sized marker: no padding, every bit pattern valid.
unsafe impl<R: 'static> Zeroable for RawBox<R> {}
// SAFETY: as above; `R` only appears in `PhantomData`.
unsafe impl<R: 'static> Pod for RawBox<R> {}
// SAFETY: size 8, alignment 8 (a `u64`), padding of 7 bytes.
unsafe impl<R: 'static> RawData for RawBox<R> {
    type OptionPad = [u8; 7];
    type SizeMod16 = Mod16<8>;
    type Align = Align<8>;
}

/// The stored form of a map or set (`HashMap`, `BTreeMap`, `HashSet`,
/// `BTreeSet`): parallel lists of its slots' keys and values (none for a
/// set), and for a hash map or set each slot's tag (0: an empty slot).
///
/// A `BTree…` has one slot per entry, in key order. A `Hash…` is a table of
/// at least `2^b` slots, `2^b` the smallest power of two at least `8/7 len`
/// (no slots when empty): its entries in order of hash ([`map_key_hash`]) then key,
/// each at its home slot — the top `b` bits of its hash — or, if the entry
/// before it took that slot or a later one, the slot after that entry. A
/// slot's tag is `min(distance from home, 254) + 1` in its low byte and bits
/// 8–15 of the hash in its high byte. A lookup starts at the key's home slot
/// and walks forward, comparing keys where the tag matches, until it finds
/// the key, an empty slot, or an entry whose home comes after the key's.
#[repr(C)]
pub struct RawMap<K, V> {
    /// The keys' stored forms, per slot (zeroes in an empty slot).
    pub keys: RawVec<K>,
    /// The values' stored forms, per slot (empty for a set).
    pub values: RawVec<V>,
    /// Each slot's tag, 0 for an empty slot (empty when ordered by key).
    pub tags: RawVec<u16>,
    /// The number of entries.
    pub len: u64,
}

impl<K, V> Clone for RawMap<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for RawMap<K, V> {}
impl<K, V> fmt::Debug for RawMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawMap")
            .field("keys", &self.keys)
            .field("values", &self.values)
            .field("tags", &self.tags)
            .field("len", &self.len)
            .finish()
    }
}

// SAFETY: three `RawVec`s, each two `u64`s, and a `u64`: no padding, every
// bit pattern valid.
unsafe impl<K: 'static, V: 'static> Zeroable for RawMap<K, V> {}
// SAFETY: as above; `K` and `V` appear only in `PhantomData`s.
unsafe impl<K: 'static, V: 'static> Pod for RawMap<K, V> {}
// SAFETY: size 56, alignment 8, padding of 7 bytes.
unsafe impl<K: 'static, V: 'static> RawData for RawMap<K, V> {
    type OptionPad = [u8; 7];
    type SizeMod16 = Mod16<8>;
    type Align = Align<8>;
}

/// The hash of a map's key in files, over the key's canonical bytes (a
/// string's UTF-8; an integer's little-endian bytes; `bool` as one byte;
/// `char` as a little-endian `u32`). With `K = 0x9e3779b97f4a7c15`, all
/// arithmetic wrapping, and `mix(w)` meaning `h = (rotate_left(h, 5) ^ w) * K`:
/// start from `h = len * K`; if `len < 8`, `mix` the bytes as one
/// little-endian `u64`, zero-padded (nothing for no bytes); otherwise `mix`
/// each whole 8 bytes as a little-endian `u64`, then, if `len` is not a
/// multiple of 8, the *last* 8 bytes (overlapping the word before). End with
/// `(h ^ (h >> 32)) | 1`. Its top bits pick a key's home slot. A tuple's
/// hash is this hash of its elements' hashes, each as 8 little-endian bytes,
/// one after the other. Readers in other languages compute the same.
///
/// ```
/// assert_eq!(mmf_runtime::map_key_hash(b"alice"), mmf_runtime::map_key_hash("alice".as_bytes()));
/// assert_ne!(mmf_runtime::map_key_hash(b"alice"), mmf_runtime::map_key_hash(b"alicf"));
/// assert_ne!(mmf_runtime::map_key_hash(b""), mmf_runtime::map_key_hash(&[0]));
/// assert_ne!(mmf_runtime::map_key_hash(b"hiker-0000001"), mmf_runtime::map_key_hash(b"hiker-0000002"));
/// ```
#[inline]
pub fn map_key_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let mix = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let len = bytes.len();
    let mut h = (len as u64).wrapping_mul(K);
    if len < 8 {
        if len > 0 {
            let w = bytes.iter().rev().fold(0u64, |w, &b| w << 8 | u64::from(b));
            h = mix(h, w);
        }
    } else {
        for at in (0..len - 7).step_by(8) {
            h = mix(h, word(at));
        }
        if !len.is_multiple_of(8) {
            h = mix(h, word(len - 8));
        }
    }
    (h ^ (h >> 32)) | 1
}

/// The stored form of `Option<T>`: a tag byte (0 for `None`, 1 for `Some`),
/// zeroed padding up to the value's alignment, then the value (zeroed for `None`).
#[repr(C)]
pub struct RawOption<R: RawData> {
    /// 0 for `None`, 1 for `Some`.
    pub tag: u8,
    /// Zeroes.
    pub pad: R::OptionPad,
    /// The value; zeroes when `tag` is 0.
    pub value: R,
}

impl<R: RawData> Clone for RawOption<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: RawData> Copy for RawOption<R> {}
impl<R: RawData> fmt::Debug for RawOption<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawOption").field("tag", &self.tag).field("value", &self.value).finish()
    }
}

// SAFETY: `tag` (1 byte) then `pad` (`align_of::<R>() - 1` bytes, by `RawData`'s
// contract) end exactly where `value` starts, at `align_of::<R>()`; the size is
// `align + size_of::<R>()`, a multiple of the alignment, so there is no padding,
// and every field is `Pod`, so every bit pattern is valid and zeroes are valid.
unsafe impl<R: RawData> Zeroable for RawOption<R> {}
// SAFETY: as for `Zeroable` above.
unsafe impl<R: RawData> Pod for RawOption<R> {}
// SAFETY: `RawOption<R>` has the alignment of `R`, so `R`'s padding fits; its
// size is the alignment (tag and padding) plus `R`'s size.
unsafe impl<R: RawData> RawData for RawOption<R> {
    type OptionPad = R::OptionPad;
    type SizeMod16 = SumMod16<<R::Align as Alignment>::Mod16, R::SizeMod16>;
    type Align = R::Align;
}
