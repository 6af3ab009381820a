import fc from 'fast-check';
import { fitText, type ChannelKind, type ChannelSpec, type FittedText, type OrderText, type TextLimit } from '@lifeline/domain';
import { channelSpecs, DEFAULT_CONFIG, loadConfig } from '../../apps/router/src/config/load-config';

/**
 * One text budget, end to end: the router plans a text with `fitText` and the channel's
 * configured limit; each adapter's spec then runs its real encoder on what was planned and checks
 * it needs no more segments or bits and cuts nothing again. This module gives those specs the
 * channels as config/default.yaml sets them, random order texts, and the plans at and around
 * every limit.
 */

/**
 * Where each channel kind's adapter proves the budget (a kind added to CHANNEL_KINDS without a
 * spec here does not type-check): each spec covers every configured channel of its kind.
 */
export const TEXT_BUDGET_SPECS: Record<ChannelKind, string> = {
  public: 'apps/gateway-smpp/src/smpp-pdu.spec.ts',
  drone: 'apps/gateway-drone/src/station-messages.spec.ts',
  pdt: 'apps/gateway-pdt/src/hdap-codec.spec.ts',
  satellite: 'apps/gateway-tiantong/src/sms-pdu.spec.ts',
  beidou: 'apps/gateway-beidou/src/rdss.spec.ts',
};

/** The channels of config/default.yaml as the router runs them (defaults applied). */
export function configuredChannels(): ChannelSpec[] {
  return channelSpecs(loadConfig([DEFAULT_CONFIG]));
}

/** The configured channels of one kind: a spec covering a kind covers each of them. */
export function channelsOfKind(kind: ChannelKind): ChannelSpec[] {
  const found = configuredChannels().filter((c) => c.kind === kind);
  if (!found.length) throw new Error(`no ${kind} channel in ${DEFAULT_CONFIG}`);
  return found;
}

/** The property's seed: TEXT_BUDGET_SEED replays a run, and every run prints the one it used. */
export function textBudgetSeed(what: string): number {
  const seed = Number(process.env.TEXT_BUDGET_SEED ?? Date.now() % 1_000_000);
  process.stdout.write(`text budget (${what}) seed ${seed}: TEXT_BUDGET_SEED=${seed} replays it\n`);
  return seed;
}

/** Characters texts are drawn from, by kind: whole code points and a few grapheme clusters. */
export const ALPHABETS = {
  chinese: [...'请立即组织沿海低洼地带群众向避灾安置点转移清点人数后上报台风梅花今晚登陆滨江县，。、：；！？“”（）…—·'],
  // The GSM 03.38 default alphabet and its extension table (but \f: order texts refuse it).
  gsm7: [...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€'],
  mixed: [...'撤离转移A7K2 回复1确认 Evacuate now! 0123 水位[]{}€é'],
  emoji: ['🌀', '🌊', '⚠️', '🚁', '👨‍👩‍👧', '🇨🇳', '水', '位', ' ', 'A', '1'],
  // Outside GB2312 (喆 镕 are GBK only; ™ ¥ € none), astral CJK, combining marks.
  rare: [...'喆镕™¥€𠀀𪚥é́ñ̃', '水', ' '],
} as const;

const REF = fc.stringMatching(/^[A-HJ-NP-Z2-9]{4,6}$/);

/** A random order text: one alphabet or all mixed, any length up to past the largest limit. */
export function orderTexts(maxLength = 1_200): fc.Arbitrary<OrderText> {
  const pools = Object.values(ALPHABETS) as readonly (readonly string[])[];
  const pool = fc.oneof(fc.constantFrom(...pools), fc.constant(pools.flat()));
  // Lengths drawn evenly (fast-check's own bias is to short arrays, which reach no limit).
  const length = fc.integer({ min: 0, max: maxLength });
  const body = fc.tuple(pool, length).chain(([p, n]) => fc.array(fc.constantFrom(...p), { minLength: n, maxLength: n }).map((a) => a.join('')));
  return fc.record({ ref: REF, body, ackRequired: fc.boolean() });
}

/**
 * What the router plans for an order's text, and for its body cut at and around every limit the
 * channel has: the longest body that goes whole in 1, 2 … maxSegments parts (or in the bits or
 * characters), and two characters either side of each.
 */
export function plansAtEveryLimit(limit: TextLimit, narrowband: boolean, order: OrderText): FittedText[] {
  const chars = [...order.body];
  const fitOf = (k: number) => fitText(limit, narrowband, { ...order, summary: null, body: chars.slice(0, k).join('') });
  const lengths = new Set([chars.length]);
  for (let parts = 1; parts <= (limit.kind === 'sms' ? limit.maxSegments : 1); parts++) {
    const whole = (k: number) => {
      const f = fitOf(k);
      return !f.truncated && f.segments <= parts;
    };
    if (!whole(0)) continue;
    let lo = 0;
    let hi = chars.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (whole(mid)) lo = mid;
      else hi = mid - 1;
    }
    for (let d = -2; d <= 2; d++) if (lo + d >= 0 && lo + d <= chars.length) lengths.add(lo + d);
  }
  return [...lengths].map(fitOf);
}
