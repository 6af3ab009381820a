import { createWriteStream } from 'node:fs';
import type { Area, BBox, LonLat, Person, Terminals } from '@lifeline/domain';
import { seededRandom } from '@lifeline/domain';
import pointInPolygon from 'point-in-polygon-hao';
import { CITY_BOX, pointIn, tile } from './area-layout';
import { AreaShapes } from './area-shapes';

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰春海林波辉鹏飞斌宇浩凯健俊峰成亮新文清云德永胜利福生荣宏庆祥';
const TOWN_NAMES = ['沙头', '石门', '大洋', '桥头', '白鹭', '上塘', '龙湾', '黄泥', '溪口', '松岙', '青屿', '东浦'];
const VILLAGE_NAMES = ['东岙', '西岙', '南塘', '北山', '前洋', '后湾', '上林', '下埠', '枫树', '竹园', '石塘', '渔村'];
const COUNTY_NAMES = ['滨江县', '青山县', '白沙县', '望海县', '云岭县', '临溪县', '平阳县', '凤台县', '金沙县', '玉泉县'];

export interface GeneratorOptions {
  people: number;
  seed: number;
}

export interface GeneratedDirectory {
  areas: Area[];
  /** Generated lazily: a million people need not sit in memory at once. */
  people: () => Generator<Person>;
}

/** Share of villagers the directory has no address for: geofences find them by their village's shape. */
const UNLOCATED = 0.05;

/**
 * A plausible county-level directory: city > counties > towns > villages. Village heads hold a
 * Tiantong phone, town and county staff 370MHz handhelds, rescue teams Beidou cards, and
 * everyone a mobile phone. Each area has a shape (villages tile their town, towns their county,
 * counties the city); villagers live in their village, staff near their seat. The demo
 * directory is this with ~500 people.
 */
export function generateDirectory(o: GeneratorOptions): GeneratedDirectory {
  const small = o.people <= 2_000;
  const counties = small ? 3 : 10;
  const towns = small ? 4 : 10;
  const villages = small ? 6 : Math.max(1, Math.ceil(o.people / (counties * towns * 1_000)));
  // Shapes and places draw from their own stream: names and numbers stay what they were.
  const geoRandom = seededRandom(o.seed * 7_919 + 1);
  const boxes = new Map<string, BBox>([['330100', CITY_BOX]]);
  // Shapes come once every box is known: a border's points depend on every corner along it.
  const named: Omit<Area, 'geometry'>[] = [];
  const shaped = (code: string, name: string, parent: string | null) => named.push({ code, name, parent });
  const city = { code: '330100' };
  shaped(city.code, '临海市', null);
  const villageCodes: string[] = [];
  const townCodes: string[] = [];
  const countyCodes: string[] = [];
  const countyBoxes = tile(CITY_BOX, counties, geoRandom);
  for (let c = 0; c < counties; c++) {
    const county = `3301${String(c + 2).padStart(2, '0')}`;
    countyCodes.push(county);
    boxes.set(county, countyBoxes[c]);
    shaped(county, COUNTY_NAMES[c % COUNTY_NAMES.length], city.code);
    const townBoxes = tile(countyBoxes[c], towns, geoRandom);
    for (let t = 0; t < towns; t++) {
      const town = `${county}${String(t + 1).padStart(3, '0')}`;
      townCodes.push(town);
      boxes.set(town, townBoxes[t]);
      shaped(town, `${TOWN_NAMES[(c * towns + t) % TOWN_NAMES.length]}镇`, county);
      const villageBoxes = tile(townBoxes[t], villages, geoRandom);
      for (let v = 0; v < villages; v++) {
        const village = `${town}${String(v + 1).padStart(3, '0')}`;
        villageCodes.push(village);
        boxes.set(village, villageBoxes[v]);
        const name = `${VILLAGE_NAMES[(t * villages + v) % VILLAGE_NAMES.length]}${v >= VILLAGE_NAMES.length ? Math.floor(v / VILLAGE_NAMES.length) + 1 : ''}村`;
        shaped(village, name, town);
      }
    }
  }
  const shapes = new AreaShapes([...boxes.values()], CITY_BOX, o.seed);
  const areas: Area[] = named.map((a) => ({ ...a, geometry: shapes.polygon(boxes.get(a.code)!) }));
  const geometry = new Map(areas.map((a) => [a.code, a.geometry!.coordinates as LonLat[][]]));

  /**
   * Where a person in `area` lives: the point two draws pick in the area's box, moved as the
   * borders were. Near a border the bent outline may have left it outside; then nearer the
   * middle, on the same draws (so who has a place and who has not stays as it was).
   */
  const placeIn = (area: string, draws: [number, number], spread: number): LonLat => {
    for (const shrink of [1, 0.8, 0.6, 0.4, 0.2, 0]) {
      const p = shapes.place(pointIn(boxes.get(area)!, draws, spread, shrink));
      if (pointInPolygon(p, geometry.get(area)!) === true) return p;
    }
    throw new Error(`no place inside ${area}: its outline strays too far from its box`);
  };

  function* people(): Generator<Person> {
    const random = seededRandom(o.seed);
    const placeRandom = seededRandom(o.seed * 7_919 + 2);
    const pick = (s: string) => s[Math.floor(random() * s.length)];
    const name = () => pick(SURNAMES) + pick(GIVEN) + (random() < 0.6 ? pick(GIVEN) : '');
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
    const used = new Set<string>();
    /** Terminal addresses are unique per kind, as in the real numbering plans. */
    const unique = (make: () => string) => {
      for (;;) {
        const a = make();
        if (!used.has(a)) return used.add(a), a;
      }
    };
    let n = 0;
    const person = (area: string, roles: string[], terminals: Terminals): Person => {
      n++;
      const p: Person = { id: `p-${String(n).padStart(6, '0')}`, name: name(), area, roles, terminals };
      // Staff work at their seat, near the middle of their area; villagers anywhere in the village.
      const villager = roles.length === 0;
      if (!villager || placeRandom() >= UNLOCATED) p.location = placeIn(area, [placeRandom(), placeRandom()], villager ? 0.96 : 0.1);
      return p;
    };
    const mobile = () => unique(() => `1${pick('3456789')}${digits(9)}`);
    const radio = () => unique(() => `33${digits(5)}`);
    const satphone = () => unique(() => `1740${digits(7)}`);
    const card = () => unique(() => `0${digits(6)}`);
    const staff = Math.min(o.people, small ? 10 + counties * 10 + townCodes.length * 8 : countyCodes.length * 10 + townCodes.length * 8);
    // City and county staff first: command posts hold radios, satellite phones and Beidou cards.
    for (let i = 0; i < 10 && n < staff; i++) yield person(city.code, ['city-official'], { public: mobile(), pdt: radio(), tiantong: satphone() });
    for (const county of countyCodes)
      for (let i = 0; i < 10 && n < staff; i++)
        yield person(county, i < 4 ? ['rescue-team'] : ['county-official'], { public: mobile(), pdt: radio(), ...(i < 6 ? { beidou: card() } : {}) });
    for (const town of townCodes)
      for (let i = 0; i < 8 && n < staff; i++)
        yield person(town, ['town-official'], { public: mobile(), pdt: radio(), ...(i === 0 ? { beidou: card() } : {}) });
    // Villages: a head with a Tiantong phone, a grid worker, militia with radios, residents.
    // Spread the rest evenly: every village gets its head and a grid worker before any gets more.
    const rest = o.people - n;
    for (const [k, village] of villageCodes.entries()) {
      const perVillage = Math.floor(rest / villageCodes.length) + (k < rest % villageCodes.length ? 1 : 0);
      for (let i = 0; i < perVillage && n < o.people; i++) {
        if (i === 0) yield person(village, ['village-head'], { public: mobile(), tiantong: satphone(), ...(random() < 0.3 ? { beidou: card() } : {}) });
        else if (i === 1) yield person(village, ['grid-worker'], { public: mobile() });
        else if (i === 2) yield person(village, ['militia'], { public: mobile(), pdt: radio() });
        else yield person(village, [], { public: mobile() });
      }
    }
  }
  return { areas, people };
}

/**
 * Writes a directory as JSON, a person a line, without holding it whole (a million people are
 * hundreds of megabytes of text); `onProgress` hears every 100,000 people.
 */
export async function writeDirectoryJson(dir: GeneratedDirectory, out: string, onProgress: (n: number) => void = () => undefined): Promise<void> {
  const stream = createWriteStream(out);
  const write = (s: string) => new Promise<void>((r) => (stream.write(s) ? r() : stream.once('drain', r)));
  await write(`{"areas":${JSON.stringify(dir.areas)},"people":[\n`);
  let n = 0;
  for (const p of dir.people()) {
    await write(`${n ? ',\n' : ''}${JSON.stringify(p)}`);
    if (++n % 100_000 === 0) onProgress(n);
  }
  await write('\n]}\n');
  await new Promise((r) => stream.end(r));
}
