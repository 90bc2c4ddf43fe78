import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { RoomView } from '@circulator/contracts';

/** A room id made from a source location: stable, URL- and topic-safe. */
export function roomIdFor(location: string): string {
  const slug = location
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase()
    .slice(0, 64);
  return slug || 'unknown';
}

@Injectable()
export class RoomRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The room a source location means. An unknown location creates a room flagged `unmapped`
   * (CONTRACT §3) so that nothing is dropped while an integration engineer maps it.
   */
  async resolveLocation(
    manager: EntityManager,
    location: { code: string; name?: string },
  ): Promise<{ id: string; name: string }> {
    const code = location.code.trim();
    const known = await manager.query<
      {
        id: string;
        name: string;
      }[]
    >(`SELECT id, name FROM room WHERE locations ? $1 LIMIT 1`, [code]);
    if (known[0]) return known[0];
    const id = roomIdFor(code);
    const rows = await manager.query<{ id: string; name: string }[]>(
      `INSERT INTO room (id, name, locations, unmapped) VALUES ($1, $2, $3, true)
       ON CONFLICT (id) DO UPDATE SET locations = CASE WHEN room.locations ? $4 THEN room.locations
                                                      ELSE room.locations || $3::jsonb END
       RETURNING id, name`,
      [id, location.name?.trim() || code, JSON.stringify([code]), code],
    );
    if (!rows[0]) throw new Error(`could not resolve room for ${code}`);
    return rows[0];
  }

  /**
   * {@link resolveLocation} for many locations in one statement (a batch's new locations): the
   * room of each code, creating unmapped rooms for unknown ones. Codes whose room ids collide
   * (`OR 1` and `or-1`) are resolved one by one, since one statement may not update a room twice.
   */
  async resolveLocations(
    manager: EntityManager,
    locations: readonly { code: string; name?: string }[],
  ): Promise<Map<string, { id: string; name: string }>> {
    const out = new Map<string, { id: string; name: string }>();
    const byId = new Map<string, { code: string; name: string }[]>();
    for (const location of locations) {
      const code = location.code.trim();
      const id = roomIdFor(code);
      const list = byId.get(id) ?? [];
      if (!list.some((l) => l.code === code)) list.push({ code, name: location.name?.trim() || code });
      byId.set(id, list);
    }
    const single = [...byId.entries()].filter(([, list]) => list.length === 1).map(([id, [l]]) => ({ id, ...l! }));
    if (single.length) {
      const rows = await manager.query<{ code: string; id: string; name: string }[]>(
        `WITH input AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS t(code, id, name)
         ), known AS (
           SELECT DISTINCT ON (i.code) i.code, r.id, r.name FROM input i JOIN room r ON r.locations ? i.code
           ORDER BY i.code, r.id
         ), ins AS (
           INSERT INTO room (id, name, locations, unmapped)
           SELECT i.id, i.name, jsonb_build_array(i.code), true FROM input i
           WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.code = i.code)
           ON CONFLICT (id) DO UPDATE SET locations = CASE WHEN room.locations ? (EXCLUDED.locations ->> 0)
                                                          THEN room.locations
                                                          ELSE room.locations || EXCLUDED.locations END
           RETURNING id, name
         )
         SELECT code, id, name FROM known
         UNION ALL
         SELECT i.code, ins.id, ins.name FROM input i JOIN ins ON ins.id = i.id
         WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.code = i.code)`,
        [single.map((l) => l.code), single.map((l) => l.id), single.map((l) => l.name)],
      );
      for (const r of rows) out.set(r.code, { id: r.id, name: r.name });
    }
    for (const list of byId.values()) {
      if (list.length === 1) continue;
      for (const l of list) out.set(l.code, await this.resolveLocation(manager, l));
    }
    return out;
  }

  /** Every room with its locations, for resolving a batch of messages without a query each. */
  /**
   * The rooms that know any of these location codes, or have one of these ids, in id order (a
   * batch's lookups: never the whole table, which grows with every unmapped location ever seen).
   * The GIN index on `locations` serves `?|`.
   */
  async byLocationsOrIds(
    manager: EntityManager,
    codes: readonly string[],
    ids: readonly string[] = [],
  ): Promise<RoomView[]> {
    if (codes.length === 0 && ids.length === 0) return [];
    return manager.query<RoomView[]>(
      `SELECT id, name, locations, unmapped FROM room
       WHERE locations ?| $1::text[] OR id = ANY($2::text[]) ORDER BY id`,
      [[...new Set(codes)], [...new Set(ids)]],
    );
  }

  /**
   * Makes sure room `id` exists and knows `code` as one of its locations (an interface's location
   * mapping names the room an integration engineer chose). A room it creates is mapped.
   */
  async ensureLocation(manager: EntityManager, id: string, name: string, code: string): Promise<RoomView> {
    const rows = await manager.query<RoomView[]>(
      `INSERT INTO room (id, name, locations, unmapped) VALUES ($1, $2, $3, false)
       ON CONFLICT (id) DO UPDATE SET locations = CASE WHEN room.locations ? $4 THEN room.locations
                                                      ELSE room.locations || $3::jsonb END
       RETURNING id, name, locations, unmapped`,
      [id, name, JSON.stringify([code]), code],
    );
    if (!rows[0]) throw new Error(`could not map location ${code} to room ${id}`);
    return rows[0];
  }

  async list(): Promise<RoomView[]> {
    const rows = await this.ds.query<RoomView[]>(`SELECT id, name, locations, unmapped FROM room ORDER BY name, id`);
    return rows.map((r) => ({ id: r.id, name: r.name, locations: r.locations, unmapped: r.unmapped }));
  }

  async get(id: string): Promise<RoomView | undefined> {
    const rows = await this.ds.query<RoomView[]>(`SELECT id, name, locations, unmapped FROM room WHERE id = $1`, [id]);
    return rows[0];
  }
}
