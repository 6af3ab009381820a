/**
 * A Map that forgets its oldest entries past `max`: the caches and recent-activity tables that
 * must not grow with traffic or with an attacker's requests. Setting a key again keeps its age;
 * delete it first to make it the newest.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    while (this.size > this.max) this.delete(this.keys().next().value as K);
    return this;
  }
}
