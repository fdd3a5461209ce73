// The AML data partner: who we ask about the risk of a sending bank's country. Production plugs a
// real provider in behind this interface; development and tests use the simulated one, which can be
// told to fail so retries are exercised.
import type { CountryRating } from '../domain/aml.js';

export interface CountryRiskAnswer {
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
  rating: CountryRating;
  /** Where the rating came from, for the audit trail. */
  source: string;
}

export interface AmlDataPartner {
  /** Throws when the partner cannot answer right now (the activity is retried). */
  countryRisk(country: string): Promise<CountryRiskAnswer>;
}

/** The partner did not answer; transient, so the calling activity retries. */
export class AmlDataUnavailableError extends Error {
  override readonly name = 'AmlDataUnavailableError';
}

/** Made-up ratings for development; NOT a real country risk assessment. */
const SIMULATED_RATINGS: Record<string, CountryRating> = {
  KP: 'high',
  IR: 'high',
  MM: 'high',
  SY: 'elevated',
  YE: 'elevated',
  HT: 'elevated',
  SS: 'elevated',
  VE: 'elevated',
};

export interface SimulatedAmlDataOptions {
  /** Replace or add ratings; countries not listed are 'standard'. */
  ratings?: Record<string, CountryRating>;
  /** Artificial latency per call. */
  latencyMs?: number;
}

export class SimulatedAmlDataPartner implements AmlDataPartner {
  private readonly ratings: Record<string, CountryRating>;
  private failuresLeft = 0;
  private failureMessage = 'AML data partner unavailable (simulated)';
  /** Countries asked, in order, failed calls included. */
  readonly calls: string[] = [];

  constructor(private readonly options: SimulatedAmlDataOptions = {}) {
    this.ratings = { ...SIMULATED_RATINGS, ...options.ratings };
  }

  /** The next `times` calls throw AmlDataUnavailableError. */
  failNext(times = 1, message?: string): void {
    this.failuresLeft = times;
    if (message) this.failureMessage = message;
  }

  setRating(country: string, rating: CountryRating): void {
    this.ratings[country.toUpperCase()] = rating;
  }

  async countryRisk(country: string): Promise<CountryRiskAnswer> {
    const code = country.trim().toUpperCase();
    this.calls.push(code);
    if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new AmlDataUnavailableError(this.failureMessage);
    }
    if (!/^[A-Z]{2}$/.test(code)) throw new TypeError(`not an ISO 3166-1 alpha-2 country code: "${country}"`);
    return { country: code, rating: this.ratings[code] ?? 'standard', source: 'simulated' };
  }
}
