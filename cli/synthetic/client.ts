/**
 * A synthetic client at admission: demographics, primary substance, intake
 * circumstances and the latent recovery propensity that drives the whole episode.
 */
import type { REFERRAL_SOURCES, SEXES } from '../../lambdas/core/event-schema';
import type { ClinicProfile, PrimarySubstance } from './clinics';
import { logistic, type Random } from './random';

export type ReferralSource = (typeof REFERRAL_SOURCES)[number];
export type Sex = (typeof SEXES)[number];

export interface ClientProfile {
  clientId: string;
  birthYear: number;
  sex: Sex;
  primarySubstance: PrimarySubstance;
  referralSource: ReferralSource;
  /** Latent engagement / recovery propensity, standard normal before clinic and program effects. */
  propensity: number;
  /** For stimulant users: which analyte their use shows up as. */
  stimulant: 'cocaine' | 'amphetamines';
  employedAtIntake: boolean;
  housedAtIntake: boolean;
  supportAtIntake: boolean;
}

// Referral mix of publicly funded outpatient admissions: criminal justice and self referrals dominate (TEDS).
const REFERRALS: Record<ReferralSource, number> = {
  court_criminal_justice: 0.28,
  self: 0.25,
  sud_provider: 0.14,
  healthcare: 0.14,
  community: 0.08,
  employer: 0.04,
  school: 0.01,
  other: 0.06,
};

/**
 * Opaque client numbers: an affine permutation of the running client index, so ids are
 * unique without remembering the ones already issued (streaming) and do not reveal order.
 */
export class ClientNumbers {
  private readonly modulus: number;
  private readonly multiplier: number;
  private readonly offset: number;
  private readonly floor: number;

  constructor(expectedClients: number, rng: Random) {
    let digits = 6;
    while (9 * 10 ** (digits - 1) < expectedClients * 2) digits++;
    this.floor = 10 ** (digits - 1);
    this.modulus = 9 * this.floor; // factors 2, 3, 5 only
    let multiplier = rng.int(Math.floor(this.modulus / 3), this.modulus - 1);
    while (multiplier % 2 === 0 || multiplier % 3 === 0 || multiplier % 5 === 0) multiplier++;
    this.multiplier = multiplier;
    this.offset = rng.int(0, this.modulus - 1);
  }

  clientId(index: number): string {
    const permuted = Number((BigInt(index) * BigInt(this.multiplier) + BigInt(this.offset)) % BigInt(this.modulus));
    return `C-${this.floor + permuted}`;
  }
}

export function newClient(clientId: string, clinic: ClinicProfile, admissionYear: number, rng: Random): ClientProfile {
  const primarySubstance = rng.weighted(clinic.substanceMix);
  const age = Math.min(74, 18 + Math.round(rng.gamma(3.2, 5.8)));
  const propensity = rng.normal();
  const referralSource = rng.weighted(REFERRALS);
  return {
    clientId,
    birthYear: admissionYear - age,
    sex: rng.weighted({ male: 0.62, female: 0.365, other: 0.005, unknown: 0.01 }),
    primarySubstance,
    referralSource,
    propensity,
    stimulant: rng.chance(0.55) ? 'amphetamines' : 'cocaine',
    employedAtIntake: rng.chance(logistic(-0.35 + 0.45 * propensity)),
    housedAtIntake: rng.chance(logistic(1.0 + 0.4 * propensity)),
    supportAtIntake: rng.chance(logistic(0.2 + 0.5 * propensity)),
  };
}

/** A returning client keeps who they are; their propensity is related to, not equal to, the last one. */
export function returningClient(previous: ClientProfile, rng: Random): ClientProfile {
  return { ...previous, propensity: 0.7 * previous.propensity + 0.71 * rng.normal() - 0.2 };
}
