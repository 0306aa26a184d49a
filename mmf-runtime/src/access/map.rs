//! Maps and sets: `HashMap`, `BTreeMap`, `HashSet` and `BTreeSet`, looked
//! up in place.
//!
//! A map's entries are stored as parallel lists (see [`RawMap`]). A `BTree…`
//! keeps its entries in key order and is searched by bisection. A `Hash…` is
//! an open-addressing table whose slots hold the entries in hash order (then
//! key order): each entry sits at its home slot — the top bits of its hash —
//! or, if that is taken, the next free slot after the entry before it. Each
//! slot has a two-byte tag: how far its entry is from home, and eight more
//! bits of its hash. A lookup reads the tags from the key's home slot on,
//! compares a key only where the tag says same home and same bits, and stops
//! at an empty slot or an entry whose home comes later: about one step. The
//! layout depends only on the keys, never on insertion order or a hasher's
//! seed, so the same map always gives the same bytes. Validation proves what
//! lookups rely on (each tag is its key's, the order, no gap between an entry
//! and its home), so a hostile file can make a lookup wrong in no way, and
//! slow only to a bisection of its slots.

use core::cmp::Ordering;
use core::fmt;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::BuildHasher;

use crate::access::file_ref::{FileMut, FileRef};
use crate::access::impls::Proxy;
use crate::access::mapped::{Frozen, Mapped};
use crate::access::validate::Validator;
use crate::access::write::Writer;
use crate::format::error::{Error, PathSegment, Problem, Result};
use crate::format::layout::{Kind, Layout};
use bytemuck::Zeroable;

use crate::access::evolve::{Evolved, Shape, Spread, never_evolved};
use crate::access::view::ListView;
use crate::format::raw::{RawMap, RawStr, RawVec, map_key_hash};
use core::ptr::NonNull;

/// A type a stored map can be keyed by: integers, `bool`, `char`, `String`,
/// `Box<str>`; arrays, lists, options and tuples of keys; structs of keys and
/// fieldless enums marked `#[mmf(key)]`.
/// Lookups take the key's query ([`MapKey::Query`]: the number itself, `&str`
/// for a string, `(u32, &str)` for a `(u32, String)` or a struct of those
/// fields; [`as_query`](MapKey::as_query) makes one from a key).
///
/// # Example
///
/// ```
/// use std::collections::{BTreeMap, HashMap};
///
/// let counts = HashMap::from([("alice".to_owned(), 3u64), ("bob".to_owned(), 5)]);
/// let bytes = mmf_runtime::to_bytes(&counts);
/// let view = mmf_runtime::from_bytes::<HashMap<String, u64>>(&bytes)?;
/// assert_eq!(view.get("bob"), Some(5));
/// assert_eq!(view.get("carol"), None);
///
/// let visits = BTreeMap::from([((2024u16, "Rigi".to_owned()), 2u8), ((2023, "Napf".to_owned()), 1)]);
/// let bytes = mmf_runtime::to_bytes(&visits);
/// let view = mmf_runtime::from_bytes::<BTreeMap<(u16, String), u8>>(&bytes)?;
/// assert_eq!(view.get((2024, "Rigi")), Some(2));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the key of a stored map or set",
    label = "not a `MapKey`",
    note = "keys are integers, `bool`, `char`, strings, arrays, lists, options and tuples of keys, and structs of keys and fieldless enums marked `#[mmf(key)]`: for a float, store its bits (`f64::to_bits`) as a `u64`"
)]
pub trait MapKey: Mapped + Ord + std::hash::Hash {
    /// What lookups take: the key's view for numbers, `&str` for a string,
    /// a tuple of its fields' queries for a tuple or a `#[mmf(key)]` struct.
    type Query<'q>: Copy
    where
        Self: 'q;
    /// This key as a query.
    fn as_query(&self) -> Self::Query<'_>;
    /// Orders two queries as their stored keys order.
    fn compare_queries(a: &Self::Query<'_>, b: &Self::Query<'_>) -> Ordering;
    /// A query's hash: the stored key's [`key_hash`](Self::key_hash).
    fn query_hash(query: &Self::Query<'_>) -> u64;
    /// Orders two stored keys by their views, as `Ord` orders the keys
    /// (field by field for a struct).
    fn compare(a: &Self::View<'_>, b: &Self::View<'_>) -> Ordering;
    /// The key's hash in files: [`map_key_hash`] of its canonical bytes
    /// (a string's UTF-8, a number's little-endian bytes, a `char` as `u32`;
    /// for a tuple or struct, its fields' hashes).
    fn key_hash(key: &Self::View<'_>) -> u64;

    /// Orders a stored key against `query`.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view`].
    #[doc(hidden)]
    unsafe fn compare_stored(
        raw: &Self::Raw,
        file: FileRef<'_>,
        query: &Self::Query<'_>,
    ) -> Ordering;

    /// Whether a stored key is `query`; strings override it to compare words.
    ///
    /// # Safety
    ///
    /// As for [`Mapped::view`].
    #[doc(hidden)]
    #[inline]
    unsafe fn eq_stored(raw: &Self::Raw, file: FileRef<'_>, query: &Self::Query<'_>) -> bool {
        // SAFETY: the caller's promise, passed on.
        unsafe { Self::compare_stored(raw, file, query) == Ordering::Equal }
    }
}

/// `MapKey`'s query methods for a key whose query is its view.
macro_rules! query_is_view {
    () => {
        #[inline]
        fn compare_queries(a: &Self::Query<'_>, b: &Self::Query<'_>) -> Ordering {
            Self::compare(a, b)
        }
        #[inline]
        fn query_hash(query: &Self::Query<'_>) -> u64 {
            Self::key_hash(query)
        }
        #[inline]
        unsafe fn compare_stored(
            raw: &Self::Raw,
            file: FileRef<'_>,
            query: &Self::Query<'_>,
        ) -> Ordering {
            // SAFETY: the caller's promise, passed on.
            Self::compare(&unsafe { Self::view(raw, file) }, query)
        }
    };
}

/// Whether two byte strings of one length are equal, eight bytes at a time
/// (short keys: cheaper than a call to `memcmp`).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a8, mut b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let words_equal = a8.by_ref().zip(b8.by_ref()).all(|(x, y)| x == y);
    words_equal && a8.remainder() == b8.remainder()
}

macro_rules! integer_keys {
    ($($t:ty),*) => {$(
        impl MapKey for $t {
            type Query<'q> = $t;
            #[inline]
            fn as_query(&self) -> $t {
                *self
            }
            query_is_view!();
            #[inline]
            fn compare(a: &$t, b: &$t) -> Ordering {
                a.cmp(b)
            }
            #[inline]
            fn key_hash(key: &$t) -> u64 {
                map_key_hash(&key.to_le_bytes())
            }
        }
    )*};
}
integer_keys!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128);

impl MapKey for bool {
    type Query<'q> = bool;
    fn as_query(&self) -> bool {
        *self
    }
    query_is_view!();
    fn compare(a: &bool, b: &bool) -> Ordering {
        a.cmp(b)
    }
    fn key_hash(key: &bool) -> u64 {
        map_key_hash(&[u8::from(*key)])
    }
}

impl MapKey for char {
    type Query<'q> = char;
    fn as_query(&self) -> char {
        *self
    }
    query_is_view!();
    fn compare(a: &char, b: &char) -> Ordering {
        a.cmp(b)
    }
    fn key_hash(key: &char) -> u64 {
        map_key_hash(&u32::from(*key).to_le_bytes())
    }
}

macro_rules! string_keys {
    ($($t:ty),*) => {$(
        impl MapKey for $t {
            type Query<'q> = &'q str;
            #[inline]
            fn as_query(&self) -> &str {
                self
            }
            #[inline]
            fn compare_queries(a: &&str, b: &&str) -> Ordering {
                a.cmp(b)
            }
            #[inline]
            fn query_hash(query: &&str) -> u64 {
                map_key_hash(query.as_bytes())
            }
            #[inline]
            fn compare(a: &&str, b: &&str) -> Ordering {
                a.cmp(b)
            }
            #[inline]
            fn key_hash(key: &&str) -> u64 {
                map_key_hash(key.as_bytes())
            }
            #[inline]
            unsafe fn eq_stored(raw: &RawStr, file: FileRef<'_>, key: &&str) -> bool {
                if raw.len != key.len() as u64 {
                    return false;
                }
                // SAFETY: the caller's promise covers the text's block.
                let stored = unsafe { file.block::<u8>(raw.offset, raw.len) }.unwrap_or_default();
                same_bytes(stored, key.as_bytes())
            }
            #[inline]
            unsafe fn compare_stored(raw: &RawStr, file: FileRef<'_>, key: &&str) -> Ordering {
                // SAFETY: the caller's promise covers the text's block.
                let stored = unsafe { file.block::<u8>(raw.offset, raw.len) }.unwrap_or_default();
                stored.cmp(key.as_bytes())
            }
        }
    )*};
}
string_keys!(String, Box<str>);

/// The hash of a composite key (a tuple, array, list, option or
/// `#[mmf(key)]` struct) from its elements' hashes: [`map_key_hash`] of their
/// little-endian bytes, one after the other — computed word by word, as
/// `map_key_hash` does for a multiple of 8 bytes, without gathering them.
#[doc(hidden)]
pub fn tuple_key_hash<I>(hashes: I) -> u64
where
    I: IntoIterator<Item = u64>,
    I::IntoIter: ExactSizeIterator,
{
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let hashes = hashes.into_iter();
    let mut h = (8 * hashes.len() as u64).wrapping_mul(K);
    for word in hashes {
        h = (h.rotate_left(5) ^ word).wrapping_mul(K);
    }
    (h ^ (h >> 32)) | 1
}

/// Orders two sequences of keys as Rust orders slices: element by element,
/// then the shorter first.
fn compare_sequences<A, B>(
    a: impl IntoIterator<Item = A>,
    b: impl IntoIterator<Item = B>,
    mut compare: impl FnMut(A, B) -> Ordering,
) -> Ordering {
    let (mut a, mut b) = (a.into_iter(), b.into_iter());
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) => match compare(x, y) {
                Ordering::Equal => {}
                order => return order,
            },
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
        }
    }
}

/// `MapKey`'s methods for an array or list of keys, whose query is a
/// reference to its elements and whose view a `ListView`: element by element,
/// hashed from its elements' hashes.
macro_rules! sequence_key {
    () => {
        fn compare_queries(a: &Self::Query<'_>, b: &Self::Query<'_>) -> Ordering {
            compare_sequences(a.iter(), b.iter(), |x, y| {
                T::compare_queries(&x.as_query(), &y.as_query())
            })
        }
        fn query_hash(query: &Self::Query<'_>) -> u64 {
            tuple_key_hash(query.iter().map(|x| T::query_hash(&x.as_query())))
        }
        fn compare(a: &ListView<'_, T>, b: &ListView<'_, T>) -> Ordering {
            compare_sequences(a.iter(), b.iter(), |x, y| T::compare(&x, &y))
        }
        fn key_hash(key: &ListView<'_, T>) -> u64 {
            tuple_key_hash(key.iter().map(|x| T::key_hash(&x)))
        }
    };
}

// An array of keys.
impl<T: MapKey, const N: usize> MapKey for [T; N] {
    type Query<'q>
        = &'q [T; N]
    where
        T: 'q;
    fn as_query(&self) -> &[T; N] {
        self
    }
    sequence_key!();
    unsafe fn compare_stored(raw: &[T::Raw; N], file: FileRef<'_>, query: &&[T; N]) -> Ordering {
        compare_sequences(raw.iter(), query.iter(), |r, q| {
            // SAFETY: the caller's promise covers every element.
            unsafe { T::compare_stored(r, file, &q.as_query()) }
        })
    }
}

// A list of keys, as an array of them, shorter lists first.
impl<T: MapKey> MapKey for Vec<T> {
    type Query<'q>
        = &'q [T]
    where
        T: 'q;
    fn as_query(&self) -> &[T] {
        self
    }
    sequence_key!();
    unsafe fn compare_stored(raw: &RawVec<T::Raw>, file: FileRef<'_>, query: &&[T]) -> Ordering {
        // SAFETY: the caller's promise covers the list's block.
        let stored = unsafe { file.block::<T::Raw>(raw.offset, raw.len) }.unwrap_or_default();
        compare_sequences(stored.iter(), query.iter(), |r, q| {
            // SAFETY: as above, for every element.
            unsafe { T::compare_stored(r, file, &q.as_query()) }
        })
    }
}

// An optional key: `None` first, as Rust orders options; `None` hashes as no
// element, `Some(key)` as one.
impl<T: MapKey> MapKey for Option<T> {
    type Query<'q>
        = Option<T::Query<'q>>
    where
        T: 'q;
    fn as_query(&self) -> Self::Query<'_> {
        self.as_ref().map(T::as_query)
    }
    fn compare_queries(a: &Self::Query<'_>, b: &Self::Query<'_>) -> Ordering {
        compare_sequences(a.iter(), b.iter(), |x, y| T::compare_queries(x, y))
    }
    fn query_hash(query: &Self::Query<'_>) -> u64 {
        tuple_key_hash(query.iter().map(|x| T::query_hash(x)))
    }
    fn compare(a: &Option<T::View<'_>>, b: &Option<T::View<'_>>) -> Ordering {
        compare_sequences(a.iter(), b.iter(), |x, y| T::compare(x, y))
    }
    fn key_hash(key: &Option<T::View<'_>>) -> u64 {
        tuple_key_hash(key.iter().map(|x| T::key_hash(x)))
    }
    unsafe fn compare_stored(
        raw: &crate::format::raw::RawOption<T::Raw>,
        file: FileRef<'_>,
        query: &Self::Query<'_>,
    ) -> Ordering {
        let stored = (raw.tag == 1).then_some(&raw.value);
        compare_sequences(stored, query.iter(), |r, q| {
            // SAFETY: the caller's promise covers the value.
            unsafe { T::compare_stored(r, file, q) }
        })
    }
}

/// How many home slots a hash table of `n` entries has: the smallest power
/// of two at least `8/7 n`; none for no entries (the table may run past them).
pub(crate) fn home_slots(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    n.saturating_add(n / 7).checked_next_power_of_two().unwrap_or(1 << 63)
}

/// The home slot of `hash` among `slots` (a power of two): its top bits.
#[inline]
pub(crate) fn home_of(hash: u64, slots: u64) -> u64 {
    let bits = slots.trailing_zeros();
    if bits == 0 { 0 } else { hash >> (64 - bits) }
}

/// The tag of a slot holding an entry `distance` slots after its home with
/// hash `hash`: `min(distance, 254) + 1`, then bits 8–15 of the hash. An
/// empty slot's tag is 0.
#[inline]
pub(crate) fn slot_tag(hash: u64, distance: u64) -> u16 {
    (distance.min(254) as u16 + 1) | (((hash >> 8) as u8 as u16) << 8)
}

/// Tag distances from here on are "this far or farther".
const FAR: u16 = 255;

/// The keys of a stored map or set, and how to find them.
struct Keys<'a, K: Mapped> {
    keys: &'a [K::Raw],
    /// Per slot, its tag (see [`slot_tag`]); 0 if empty (hash maps only).
    tags: &'a [u16],
    /// The number of entries.
    len: u64,
    hashed: bool,
    file: FileRef<'a>,
}

impl<K: Mapped> Clone for Keys<'_, K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K: Mapped> Copy for Keys<'_, K> {}

impl<'a, K: MapKey> Keys<'a, K> {
    /// # Safety
    ///
    /// As for [`Mapped::view`], for the keys' blocks.
    unsafe fn new<V>(raw: &RawMap<K::Raw, V>, hashed: bool, file: FileRef<'a>) -> Self {
        // SAFETY: the caller's promise covers the map's blocks; a block that
        // no longer resolves reads as empty.
        unsafe {
            Keys {
                keys: file.block(raw.keys.offset, raw.keys.len).unwrap_or_default(),
                tags: file.block(raw.tags.offset, raw.tags.len).unwrap_or_default(),
                len: raw.len,
                hashed,
                file,
            }
        }
    }

    fn key(&self, i: usize) -> Option<K::View<'a>> {
        // SAFETY: `new`'s promise covers every key's blocks.
        self.keys.get(i).map(|raw| unsafe { K::view(raw, self.file) })
    }

    /// The slots that hold an entry, in order.
    fn occupied(self) -> impl Iterator<Item = usize> + 'a {
        let (tags, hashed, slots) = (self.tags, self.hashed, self.keys.len());
        (0..slots).filter(move |&i| !hashed || tags.get(i).is_some_and(|&t| t != 0))
    }

    /// Orders stored key `i` against `key`.
    fn compare_at(&self, i: usize, key: &K::Query<'_>) -> Option<Ordering> {
        let stored = self.keys.get(i)?;
        // SAFETY: `new`'s promise covers every key's blocks.
        Some(unsafe { K::compare_stored(stored, self.file, key) })
    }

    /// Whether stored key `i` is `key`.
    #[inline]
    fn eq_at(&self, i: usize, key: &K::Query<'_>) -> Option<bool> {
        let stored = self.keys.get(i)?;
        // SAFETY: `new`'s promise covers every key's blocks.
        Some(unsafe { K::eq_stored(stored, self.file, key) })
    }

    /// The slot of `key`, if the map has it.
    #[inline]
    fn find(&self, key: &K::Query<'_>) -> Option<usize> {
        if !self.hashed {
            return self.bisect(0, self.keys.len(), key, 0);
        }
        if self.len == 0 {
            return None;
        }
        let hash = K::query_hash(key);
        let home = home_of(hash, home_slots(self.len)) as usize;
        let bits = slot_tag(hash, 0) >> 8;
        // The usual case: the key at its home slot, or a step or two after.
        for i in home..home.saturating_add(8) {
            let tag = *self.tags.get(i)?;
            let distance = tag & 0xff;
            if distance == 0 {
                return None; // an empty slot
            }
            if distance == FAR {
                break; // far from home: only the hash can tell
            }
            let entry_home = i - (distance as usize - 1);
            if entry_home > home {
                return None; // entries of later homes from here on
            }
            if entry_home == home && tag >> 8 == bits && self.eq_at(i, key)? {
                return Some(i);
            }
        }
        // A long run (only a hostile or unlucky file): bisect the rest.
        self.bisect(home, self.keys.len().min(self.tags.len()), key, hash)
    }

    /// Bisects slots `lo..hi` for `key`: ordered by key or, in a hash table,
    /// by hash then key, empty slots counting as greater.
    #[cold]
    fn bisect(&self, mut lo: usize, mut hi: usize, key: &K::Query<'_>, hash: u64) -> Option<usize> {
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let order = match self.hashed {
                false => self.compare_at(mid, key)?,
                true if *self.tags.get(mid)? == 0 => Ordering::Greater,
                true => K::key_hash(&self.key(mid)?)
                    .cmp(&hash)
                    .then_with(|| self.compare_at(mid, key).unwrap_or(Ordering::Greater)),
            };
            match order {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

/// A read-only view of a stored map: lookups and iteration in place.
///
/// Entries iterate in stored order: by key for a `BTreeMap`, by hash for a
/// `HashMap` (the same order for the same keys, whatever the map's hasher).
///
/// ```
/// use std::collections::BTreeMap;
///
/// let heights = BTreeMap::from([(2962u32, "Säntis".to_owned()), (1798, "Rigi".to_owned())]);
/// let bytes = mmf_runtime::to_bytes(&heights);
/// let view = mmf_runtime::from_bytes::<BTreeMap<u32, String>>(&bytes)?;
/// assert_eq!(view.get(1798), Some("Rigi"));
/// assert_eq!(view.iter().map(|(k, _)| k).collect::<Vec<_>>(), [1798, 2962]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct MapView<'a, K: Mapped, V: Mapped> {
    keys: Keys<'a, K>,
    /// Per slot, its value (a list, so that a file of another version of
    /// the program may store values otherwise).
    values: ListView<'a, V>,
}

impl<K: Mapped, V: Mapped> Clone for MapView<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K: Mapped, V: Mapped> Copy for MapView<'_, K, V> {}

impl<'a, K: MapKey + 'a, V: Mapped + 'a> MapView<'a, K, V> {
    /// The number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.keys.len as usize
    }

    /// Whether the map is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of `key` (a `&str` for a string key), if the map has it.
    #[inline]
    pub fn get(&self, key: K::Query<'_>) -> Option<V::View<'a>> {
        self.values.get(self.keys.find(&key)?)
    }

    /// Whether the map has `key`.
    #[inline]
    pub fn contains_key(&self, key: K::Query<'_>) -> bool {
        self.keys.find(&key).is_some()
    }

    /// The entries, in stored order.
    pub fn iter(&self) -> impl Iterator<Item = (K::View<'a>, V::View<'a>)> + 'a {
        let this = *self;
        self.keys.occupied().filter_map(move |i| Some((this.keys.key(i)?, this.values.get(i)?)))
    }

    /// The keys, in stored order.
    pub fn keys(&self) -> impl Iterator<Item = K::View<'a>> + 'a {
        let keys = self.keys;
        keys.occupied().filter_map(move |i| keys.key(i))
    }
}

impl<'a, K: MapKey + 'a, V: Mapped + 'a> fmt::Debug for MapView<'a, K, V>
where
    K::View<'a>: fmt::Debug,
    V::View<'a>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// An in-place view of a stored map: values change where they lie; keys, and
/// which keys there are, cannot.
///
/// ```
/// use std::collections::HashMap;
///
/// let mut bytes = mmf_runtime::to_bytes(&HashMap::from([('a', 1u64), ('b', 2)]));
/// *mmf_runtime::from_bytes_mut::<HashMap<char, u64>>(&mut bytes)?.get_mut('b').unwrap() += 40;
/// assert_eq!(mmf_runtime::from_bytes::<HashMap<char, u64>>(&bytes)?.get('b'), Some(42));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct MapViewMut<'a, K: Mapped, V: Mapped> {
    keys: Keys<'a, K>,
    values: &'a mut [V::Raw],
    file: FileMut<'a>,
}

impl<'a, K: MapKey + 'a, V: Mapped + 'a> MapViewMut<'a, K, V> {
    /// A read-only view.
    pub fn as_view(&self) -> MapView<'_, K, V> {
        // SAFETY: `&self` keeps every `&mut` to the values away while the
        // view lives; the promise this view was made with covers them.
        let values = unsafe { ListView::new(self.values, self.file.as_ref()) };
        MapView { keys: self.keys, values }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.keys.len as usize
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An in-place view of the value of `key`, if the map has it.
    pub fn get_mut(&mut self, key: K::Query<'_>) -> Option<V::ViewMut<'_>> {
        let i = self.keys.find(&key)?;
        let raw = self.values.get_mut(i)?;
        // SAFETY: the values' blocks are disjoint from each other and from the
        // keys' (validated or written so); `&mut self` keeps every other use
        // of them away while the result lives.
        Some(unsafe { V::view_mut(raw, self.file.reborrow()) })
    }
}

/// A read-only view of a stored set.
///
/// ```
/// use std::collections::HashSet;
///
/// let tags = HashSet::from(["alpine".to_owned(), "lake".to_owned()]);
/// let bytes = mmf_runtime::to_bytes(&tags);
/// let view = mmf_runtime::from_bytes::<HashSet<String>>(&bytes)?;
/// assert!(view.contains("lake") && !view.contains("sea"));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub struct SetView<'a, K: Mapped> {
    keys: Keys<'a, K>,
}

impl<K: Mapped> Clone for SetView<'_, K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K: Mapped> Copy for SetView<'_, K> {}

impl<'a, K: MapKey + 'a> SetView<'a, K> {
    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len as usize
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the set has `key`.
    pub fn contains(&self, key: K::Query<'_>) -> bool {
        self.keys.find(&key).is_some()
    }

    /// The keys, in stored order.
    pub fn iter(&self) -> impl Iterator<Item = K::View<'a>> + 'a {
        let keys = self.keys;
        keys.occupied().filter_map(move |i| keys.key(i))
    }
}

impl<'a, K: MapKey + 'a> fmt::Debug for SetView<'a, K>
where
    K::View<'a>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Writes a map's or set's lists from its entries: in key order, or in
/// slots by hash (empty slots zeroed, their tag 0).
///
/// With `old`, a map's stored form in a file (see [`Mapped::write_reusing`]),
/// every list, and every entry's blocks, that would hold the same bytes as
/// the old one's is kept rather than written again.
///
/// # Safety
///
/// With `old`: as for [`Mapped::write_reusing`]; `old` must have been
/// validated, so that its occupied slots' blocks are disjoint.
unsafe fn write_map<'v, K: MapKey + 'v, V: Mapped + 'v>(
    entries: impl Iterator<Item = (&'v K, Option<&'v V>)>,
    hashed: bool,
    old: Old<'_, RawMap<K::Raw, V::Raw>>,
    w: &mut Writer<'_>,
) -> RawMap<K::Raw, V::Raw> {
    let mut entries: Vec<(u64, &K, Option<&V>)> = entries
        .map(|(k, v)| (if hashed { K::query_hash(&k.as_query()) } else { 0 }, k, v))
        .collect();
    entries.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| K::compare_queries(&a.1.as_query(), &b.1.as_query()))
    });
    let len = entries.len() as u64;
    // Which entry each slot holds: each at its home slot, or right after the
    // entry before it; one slot per entry when ordered by key.
    let homes = home_slots(len);
    let slots: Vec<Option<usize>> = if hashed {
        let mut slots = vec![None; homes as usize];
        let mut next = 0u64;
        for (i, (hash, ..)) in entries.iter().enumerate() {
            let at = home_of(*hash, homes).max(next);
            if at as usize >= slots.len() {
                slots.resize(at as usize + 1, None);
            }
            slots[at as usize] = Some(i);
            next = at + 1;
        }
        slots
    } else {
        (0..entries.len()).map(Some).collect()
    };
    let tags: Vec<u16> = if hashed {
        let tag = |(at, slot): (usize, &Option<usize>)| {
            slot.map_or(0, |i| {
                let hash = entries[i].0;
                slot_tag(hash, at as u64 - home_of(hash, homes))
            })
        };
        slots.iter().enumerate().map(tag).collect()
    } else {
        Vec::new()
    };
    // The old map's slots that hold an entry: only their blocks were
    // validated, so only they may be reused.
    let old = old.map(|(raw, file)| {
        // SAFETY: the caller's promise covers the old map's blocks.
        let old_tags: &[u16] =
            unsafe { file.block(raw.tags.offset, raw.tags.len) }.unwrap_or_default();
        let occupied: Vec<bool> = (0..raw.keys.len as usize)
            .map(|i| !hashed || old_tags.get(i).is_some_and(|&t| t != 0))
            .collect();
        (raw, file, occupied, old_tags)
    });
    let keys: Vec<Option<&K>> = slots.iter().map(|s| s.map(|i| entries[i].1)).collect();
    let old_keys = old.as_ref().map(|(raw, file, occupied, _)| (&raw.keys, *file, &occupied[..]));
    // SAFETY: the caller's promise, for the old keys' occupied slots.
    let keys = unsafe { write_slots(&keys, old_keys, w) };
    let values = match entries.first() {
        Some((_, _, Some(_))) => {
            let values: Vec<Option<&V>> =
                slots.iter().map(|s| s.and_then(|i| entries[i].2)).collect();
            let old_values =
                old.as_ref().map(|(raw, file, occupied, _)| (&raw.values, *file, &occupied[..]));
            // SAFETY: as for the keys.
            unsafe { write_slots(&values, old_values, w) }
        }
        _ => RawVec::default(),
    };
    let tags = match &old {
        _ if !hashed => RawVec::default(),
        Some((raw, _, _, old_tags)) if *old_tags == &tags[..] => raw.tags,
        _ => put_all(&tags, w),
    };
    RawMap { keys, values, tags, len }
}

/// An old stored form in its file, whose blocks a write may reuse.
type Old<'o, R> = Option<(&'o R, FileRef<'o>)>;

/// An old list of slots in its file, and which of them hold an entry.
type OldSlots<'o, R> = Option<(&'o RawVec<R>, FileRef<'o>, &'o [bool])>;

/// Writes slots' stored forms as one block, as a list does; empty slots are
/// zeroes. With `old` (a list of slots in a file, and which of them hold an
/// entry), each entry reuses the blocks of the old entry in its slot, and the
/// old list itself is kept if every slot's stored form is unchanged.
///
/// # Safety
///
/// With `old`: as for [`Mapped::write_reusing`], for the old list's occupied slots.
unsafe fn write_slots<T: Mapped>(
    items: &[Option<&T>],
    old: OldSlots<'_, T::Raw>,
    w: &mut Writer<'_>,
) -> RawVec<T::Raw> {
    let n = items.len() as u64;
    if n == 0 {
        return RawVec::default();
    }
    let size = size_of::<T::Raw>() as u64;
    if let Some((old, file, occupied)) = old {
        // SAFETY: the caller's promise covers the old list's block.
        let old_items = unsafe { file.block::<T::Raw>(old.offset, old.len) }.unwrap_or_default();
        if old_items.len() == items.len() {
            let raws: Vec<T::Raw> = (items.iter().zip(old_items).zip(occupied))
                .map(|((item, old_item), &was)| match item {
                    // SAFETY: an occupied old slot's blocks were validated.
                    Some(item) if was => unsafe { item.write_reusing(old_item, file, w) },
                    Some(item) => item.write(w),
                    None => T::Raw::zeroed(),
                })
                .collect();
            let same =
                bytemuck::cast_slice::<_, u8>(&raws) == bytemuck::cast_slice::<_, u8>(old_items);
            if same {
                return *old;
            }
            let offset = w.alloc(size * n, align_of::<T::Raw>() as u64);
            w.put_slice(offset, &raws);
            return RawVec::new(offset, n);
        }
    }
    let offset = w.alloc(size * n, align_of::<T::Raw>() as u64);
    if w.is_measuring() && !T::HAS_BLOCKS {
        return RawVec::new(offset, n);
    }
    for (i, item) in items.iter().enumerate() {
        let raw = match item {
            Some(item) => item.write(w),
            None => T::Raw::zeroed(),
        };
        w.put(offset + i as u64 * size, &raw);
    }
    RawVec::new(offset, n)
}

/// Writes plain numbers as one block.
fn put_all<R: crate::format::raw::RawData>(items: &[R], w: &mut Writer<'_>) -> RawVec<R> {
    let offset = w.alloc(size_of_val(items) as u64, align_of::<R>() as u64);
    w.put_slice(offset, items);
    RawVec::new(offset, items.len() as u64)
}

/// An invalid map, at the stored form `raw`.
fn invalid<R>(v: &Validator<'_>, raw: &R, reason: &'static str) -> Error {
    Error::invalid(Problem::InvalidMap { offset: v.offset_of(raw), reason })
}

/// Validates a map's values in their slots (their list is checked to have
/// one per key slot first).
type ValidateValues<'v, K, R> = fn(&RawMap<K, R>, &[bool], &mut Validator<'v>) -> Result<()>;

/// Validates a map's or set's lists, and what lookups rely on: entries in
/// order with no key twice; for a hash table, each tag its key's (so no entry
/// before its home slot), and no empty slot between an entry and its home.
/// Empty slots' keys and values are never read, so not validated.
fn validate_map<'v, K: MapKey, R: crate::format::raw::RawData>(
    raw: &RawMap<K::Raw, R>,
    hashed: bool,
    values: Option<ValidateValues<'v, K::Raw, R>>,
    v: &mut Validator<'v>,
) -> Result<()> {
    let keys = v.block::<K::Raw>(raw.keys.offset, raw.keys.len)?;
    let slots = keys.len();
    let tags: &[u16] = if hashed {
        if raw.tags.len != slots as u64 {
            return Err(invalid(v, raw, "it has not one tag per key slot"));
        }
        v.block::<u16>(raw.tags.offset, raw.tags.len)?
    } else {
        if raw.tags.len != 0 {
            return Err(invalid(v, raw, "a map ordered by key has tags"));
        }
        &[]
    };
    let occupied: Vec<bool> = (0..slots).map(|i| !hashed || tags[i] != 0).collect();
    for (i, key) in keys.iter().enumerate().filter(|(i, _)| occupied[*i]) {
        K::validate(key, v).map_err(|e| {
            e.within(PathSegment::Index(i as u64)).within(PathSegment::Field("keys".into()))
        })?;
    }
    let len = occupied.iter().filter(|&&o| o).count() as u64;
    if raw.len != len {
        return Err(invalid(v, raw, "its length is not its number of entries"));
    }
    match values {
        Some(_) if raw.values.len != slots as u64 => {
            return Err(invalid(v, raw, "it has not one value per key"));
        }
        Some(values) => values(raw, &occupied, v)?,
        None if raw.values.len != 0 => return Err(invalid(v, raw, "a set holds values")),
        None => {}
    }
    let file = v.data();
    // SAFETY: validation's caller promises that no byte of the data is
    // written meanwhile; every occupied slot's key was validated above.
    let key = |i: usize| unsafe { K::view(&keys[i], file) };
    if !hashed {
        // Each key viewed once (a string's view checks its UTF-8).
        let mut views = (0..slots).map(key);
        if let Some(mut previous) = views.next() {
            for view in views {
                if K::compare(&previous, &view) != Ordering::Less {
                    return Err(invalid(
                        v,
                        raw,
                        "its keys are out of order, or one is there twice",
                    ));
                }
                previous = view;
            }
        }
        return Ok(());
    }
    let homes = home_slots(len);
    if (slots as u64) < homes {
        return Err(invalid(v, raw, "it has fewer slots than its entries need"));
    }
    let mut previous: Option<(usize, u64)> = None;
    for i in (0..slots).filter(|&i| occupied[i]) {
        let hash = K::key_hash(&key(i));
        let ordered = previous.is_none_or(|(p, h)| {
            h.cmp(&hash).then_with(|| K::compare(&key(p), &key(i))) == Ordering::Less
        });
        if !ordered {
            return Err(invalid(v, raw, "its entries are out of order, or a key is there twice"));
        }
        let home = home_of(hash, homes) as usize;
        if i < home || tags[i] != slot_tag(hash, (i - home) as u64) {
            return Err(invalid(v, raw, "a slot's tag is not its key's"));
        }
        if i > home && !occupied[i - 1] {
            return Err(invalid(v, raw, "an entry is not where its hash puts it"));
        }
        previous = Some((i, hash));
    }
    Ok(())
}

macro_rules! maps {
    ($($name:literal: $t:ty, [$($gen:tt)*], $hashed:literal;)*) => {$(
        // SAFETY: `write` allocates the three lists and the entries' blocks;
        // `validate` checks every list's block and entry and what lookups rely
        // on; views resolve blocks through checked `FileRef`/`FileMut` and find
        // entries with bounds-checked reads.
        unsafe impl<$($gen)*> Mapped for $t {
            type Raw = RawMap<K::Raw, V::Raw>;
            type View<'a> = MapView<'a, K, V>;
            type ViewMut<'a> = MapViewMut<'a, K, V>;
            const LAYOUT: &'static Layout = {
                assert!(size_of::<V::Raw>() > 0, "mmf cannot store maps of zero-sized values");
                &Layout {
                    name: $name,
                    size: 56,
                    align: 8,
                    kind: Kind::Map { key: K::LAYOUT, value: Some(V::LAYOUT), hashed: $hashed }, frozen: false,
                }
            };
            const CHECKED: bool = true;
            const HAS_BLOCKS: bool = true;
            fn write(&self, w: &mut Writer<'_>) -> Self::Raw {
                // SAFETY: no old map to reuse.
                unsafe { write_map(self.iter().map(|(k, v)| (k, Some(v))), $hashed, None, w) }
            }
            unsafe fn write_reusing(&self, old: &Self::Raw, file: FileRef<'_>, w: &mut Writer<'_>) -> Self::Raw {
                // SAFETY: the caller's promise, passed on.
                unsafe { write_map(self.iter().map(|(k, v)| (k, Some(v))), $hashed, Some((old, file)), w) }
            }
            fn validate(raw: &Self::Raw, v: &mut Validator<'_>) -> Result<()> {
                validate_map::<K, V::Raw>(raw, $hashed, Some(|raw, occupied, v| {
                    let values = v.block::<V::Raw>(raw.values.offset, raw.values.len)?;
                    if !(V::CHECKED || V::HAS_BLOCKS) {
                        return Ok(());
                    }
                    for (i, value) in values.iter().enumerate().filter(|(i, _)| occupied[*i]) {
                        V::validate(value, v).map_err(|e| {
                            e.within(PathSegment::Index(i as u64)).within(PathSegment::Field("values".into()))
                        })?;
                    }
                    Ok(())
                }), v)
            }
            unsafe fn view<'a>(raw: &'a Self::Raw, file: FileRef<'a>) -> Self::View<'a> {
                // SAFETY: the caller's promise covers the map's blocks.
                unsafe {
                    MapView {
                        keys: Keys::new(raw, $hashed, file),
                        values: ListView::new(
                            file.block(raw.values.offset, raw.values.len).unwrap_or_default(),
                            file,
                        ),
                    }
                }
            }
            #[inline]
            unsafe fn view_evolved<'a>(at: NonNull<u8>, how: &'a Evolved, file: FileRef<'a>) -> Self::View<'a> {
                let Shape::List(value) = &how.shape else { never_evolved($name) };
                // SAFETY: a map's stored form is a `RawMap` in every file, and
                // resolving checked that its keys are stored as the program's;
                // the caller's promise covers its blocks, which
                // `Spread::resolve` checks again for the values' stride.
                unsafe {
                    let raw = at.cast::<Self::Raw>().as_ref();
                    let values = Spread::resolve(file, raw.values.offset, raw.values.len, value);
                    MapView {
                        keys: Keys::new(raw, $hashed, file),
                        values: ListView::spread(values, file),
                    }
                }
            }
            unsafe fn read_evolved(at: NonNull<u8>, how: &Evolved, file: FileRef<'_>) -> Self {
                let Shape::List(value) = &how.shape else { never_evolved($name) };
                // SAFETY: as in `view_evolved`, for the duration of the call.
                unsafe {
                    let raw = at.cast::<Self::Raw>().as_ref();
                    let keys = Keys::<K>::new(raw, $hashed, file);
                    let values = Spread::resolve(file, raw.values.offset, raw.values.len, value);
                    let read = |i: usize| -> Option<(K, V)> {
                        Some((K::read(keys.keys.get(i)?, file), V::read_evolved(values.at(i)?, values.how, file)))
                    };
                    keys.occupied().filter_map(read).collect()
                }
            }
            unsafe fn view_mut<'a>(raw: &'a mut Self::Raw, file: FileMut<'a>) -> Self::ViewMut<'a> {
                // SAFETY: the caller promises the map's blocks are disjoint and
                // referenced by nothing else for `'a`: the keys are only read,
                // the values' block is handed out once.
                unsafe {
                    let values = file.alias().block_mut(raw.values.offset, raw.values.len);
                    MapViewMut {
                        keys: Keys::new(raw, $hashed, file.alias().into_ref()),
                        values: values.unwrap_or_default(),
                        file,
                    }
                }
            }
            unsafe fn read(raw: &Self::Raw, file: FileRef<'_>) -> Self {
                // SAFETY: the caller's promise, as for `view`.
                let (keys, values) = unsafe {
                    (Keys::<K>::new(raw, $hashed, file), file.block::<V::Raw>(raw.values.offset, raw.values.len).unwrap_or_default())
                };
                let read = |i: usize| -> Option<(K, V)> {
                    // SAFETY: as above.
                    unsafe { Some((K::read(keys.keys.get(i)?, file), V::read(values.get(i)?, file))) }
                };
                keys.occupied().filter_map(read).collect()
            }
        }
        // SAFETY: stored as three lists and a length in every file.
        unsafe impl<$($gen)*> Frozen for $t {}
    )*};
}

macro_rules! sets {
    ($($name:literal: $t:ty, [$($gen:tt)*], $hashed:literal;)*) => {$(
        // SAFETY: as for maps, with no values.
        unsafe impl<$($gen)*> Mapped for $t {
            type Raw = RawMap<K::Raw, ()>;
            type View<'a> = SetView<'a, K>;
            type ViewMut<'a> = SetView<'a, K>;
            const LAYOUT: &'static Layout = &Layout {
                name: $name,
                size: 56,
                align: 8,
                kind: Kind::Map { key: K::LAYOUT, value: None, hashed: $hashed }, frozen: false,
            };
            const CHECKED: bool = true;
            const HAS_BLOCKS: bool = true;
            fn write(&self, w: &mut Writer<'_>) -> Self::Raw {
                // SAFETY: no old set to reuse.
                unsafe { write_map::<K, Proxy>(self.iter().map(|k| (k, None)), $hashed, None, w) }
            }
            unsafe fn write_reusing(&self, old: &Self::Raw, file: FileRef<'_>, w: &mut Writer<'_>) -> Self::Raw {
                // SAFETY: the caller's promise, passed on.
                unsafe { write_map::<K, Proxy>(self.iter().map(|k| (k, None)), $hashed, Some((old, file)), w) }
            }
            fn validate(raw: &Self::Raw, v: &mut Validator<'_>) -> Result<()> {
                validate_map::<K, ()>(raw, $hashed, None, v)
            }
            unsafe fn view<'a>(raw: &'a Self::Raw, file: FileRef<'a>) -> Self::View<'a> {
                // SAFETY: the caller's promise covers the set's blocks.
                SetView { keys: unsafe { Keys::new(raw, $hashed, file) } }
            }
            unsafe fn view_mut<'a>(raw: &'a mut Self::Raw, file: FileMut<'a>) -> Self::ViewMut<'a> {
                // SAFETY: the keys are only read, while the caller's exclusive
                // borrow lasts.
                SetView { keys: unsafe { Keys::new(raw, $hashed, file.into_ref()) } }
            }
            unsafe fn read(raw: &Self::Raw, file: FileRef<'_>) -> Self {
                // SAFETY: the caller's promise, as for `view`.
                let view = unsafe { Self::view(raw, file) };
                // SAFETY: as above.
                let read = |i: usize| view.keys.keys.get(i).map(|raw| unsafe { K::read(raw, file) });
                view.keys.occupied().filter_map(read).collect()
            }
        }
        // SAFETY: stored as three lists and a length in every file.
        unsafe impl<$($gen)*> Frozen for $t {}
    )*};
}

maps! {
    "HashMap": HashMap<K, V, S>, [K: MapKey, V: Mapped, S: BuildHasher + Default], true;
    "BTreeMap": BTreeMap<K, V>, [K: MapKey, V: Mapped], false;
}

sets! {
    "HashSet": HashSet<K, S>, [K: MapKey, S: BuildHasher + Default], true;
    "BTreeSet": BTreeSet<K>, [K: MapKey], false;
}

#[cfg(test)]
mod tests {
    use super::{map_key_hash, tuple_key_hash};

    #[test]
    fn a_composite_hash_is_map_key_hash_of_the_elements_hashes() {
        for n in [0usize, 1, 2, 3, 17] {
            let hashes: Vec<u64> =
                (0..n as u64).map(|i| i.wrapping_mul(0x1234_5678_9abc_def1)).collect();
            let bytes: Vec<u8> = hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
            assert_eq!(tuple_key_hash(hashes.iter().copied()), map_key_hash(&bytes), "{n}");
        }
    }
}
