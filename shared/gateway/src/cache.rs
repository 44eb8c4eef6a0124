//! A small cache of what the control plane says, kept by a shell (a Worker isolate) for a few seconds so
//! that the requests of a busy isolate do not each read the store. Each isolate has its own: a change made
//! through another isolate reaches this one when its entry expires (the isolate that made it forgets at
//! once). Time is passed in, as everywhere in the core.

use std::collections::HashMap;
use std::hash::Hash;

/// Entries of at most `ttl_ms`; at most `capacity` of them (the oldest goes when full).
#[derive(Debug)]
pub struct Expiring<K, V> {
    ttl_ms: u64,
    capacity: usize,
    entries: HashMap<K, (u64, V)>,
}

impl<K: Eq + Hash + Clone, V: Clone> Expiring<K, V> {
    /// An empty cache.
    pub fn new(ttl_ms: u64, capacity: usize) -> Self {
        Expiring {
            ttl_ms,
            capacity,
            entries: HashMap::new(),
        }
    }

    /// The value kept for `key` if it was fetched less than the TTL before `now` (epoch milliseconds).
    pub fn get(&self, key: &K, now: u64) -> Option<V> {
        self.entries
            .get(key)
            .filter(|(fetched, _)| now.saturating_sub(*fetched) < self.ttl_ms)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value` for `key`, fetched at `now`.
    pub fn put(&mut self, key: K, value: V, now: u64) {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (fetched, _))| *fetched)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (now, value));
    }

    /// Drops `key` (this shell changed it).
    pub fn forget(&mut self, key: &K) {
        self.entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_oldest_goes_first() {
        let mut cache = Expiring::new(1_000, 2);
        cache.put("a", 1, 0);
        assert_eq!(cache.get(&"a", 999), Some(1));
        assert_eq!(cache.get(&"a", 1_000), None);
        cache.put("b", 2, 10);
        cache.put("c", 3, 20);
        assert_eq!((cache.get(&"a", 30), cache.get(&"c", 30)), (None, Some(3)));
        cache.forget(&"c");
        assert_eq!(cache.get(&"c", 30), None);
    }
}
