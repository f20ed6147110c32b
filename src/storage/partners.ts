import type { Connection } from "mongoose";
import type { RouteFlag } from "../screening/types.js";
import { type Day, dayOf } from "./days.js";
import { isDuplicateKeyError } from "./duplicate-key.js";
import { type PartnerDoc, partnerModel, type ReferralDoc, referralModel } from "./partner-model.js";
import { guarded } from "./storage-error.js";

/** A partner organisation and the routes it takes referrals for. */
export interface Partner {
  readonly partnerId: string;
  readonly name: string;
  readonly routes: readonly RouteFlag[];
  readonly active: boolean;
}

/** One request referred to one partner for one route. */
export interface Referral {
  readonly requestId: string;
  readonly partnerId: string;
  readonly route: RouteFlag;
  readonly day: Day;
  readonly staffId: string;
}

export interface PartnerStoreDeps {
  readonly connection: Connection;
  readonly clock?: () => Date;
}

/** Partners and the referrals made to them. */
export interface PartnerStore {
  /** Creates or replaces a partner (idempotent). */
  upsertPartner(partner: {
    partnerId: string;
    name: string;
    routes: readonly RouteFlag[];
    active?: boolean;
  }): Promise<Partner>;
  getPartner(partnerId: string): Promise<Partner | null>;
  /** Active partners, optionally only those offering `route`, by name. */
  listPartners(route?: RouteFlag): Promise<readonly Partner[]>;
  /** Records a referral once: a replay of the same (request, partner, route) returns `created: false`. */
  recordReferral(referral: Omit<Referral, "day">): Promise<{ created: boolean }>;
  listReferrals(requestId: string): Promise<readonly Referral[]>;
}

/** Creates the partner and referral store over `connection`. */
export function createPartnerStore(deps: PartnerStoreDeps): PartnerStore {
  const Partners = partnerModel(deps.connection);
  const Referrals = referralModel(deps.connection);
  const clock = deps.clock ?? (() => new Date());

  return {
    upsertPartner: (p) =>
      guarded(async () => {
        const doc = await Partners.findOneAndUpdate(
          { _id: p.partnerId },
          { $set: { name: p.name, routes: [...new Set(p.routes)], active: p.active ?? true } },
          { upsert: true, returnDocument: "after", runValidators: true, setDefaultsOnInsert: true },
        ).lean<PartnerDoc>();
        if (!doc) throw new Error("upsert returned nothing");
        return toPartner(doc);
      }),

    getPartner: (partnerId) =>
      guarded(async () => {
        const doc = await Partners.findById(partnerId).lean<PartnerDoc>();
        return doc ? toPartner(doc) : null;
      }),

    listPartners: (route) =>
      guarded(async () => {
        const docs = await Partners.find(route ? { active: true, routes: route } : { active: true })
          .sort({ name: 1, _id: 1 })
          .lean<PartnerDoc[]>();
        return docs.map(toPartner);
      }),

    recordReferral: (r) =>
      guarded(async () => {
        try {
          await Referrals.create({
            _id: `${r.requestId}:${r.partnerId}:${r.route}`,
            requestId: r.requestId,
            partnerId: r.partnerId,
            route: r.route,
            day: dayOf(clock()),
            staffId: r.staffId,
          });
          return { created: true };
        } catch (err) {
          if (isDuplicateKeyError(err)) return { created: false };
          throw err;
        }
      }),

    listReferrals: (requestId) =>
      guarded(async () => {
        const docs = await Referrals.find({ requestId }).sort({ day: 1, _id: 1 }).lean<ReferralDoc[]>();
        return docs.map((d) => ({
          requestId: d.requestId,
          partnerId: d.partnerId,
          route: d.route,
          day: d.day,
          staffId: d.staffId,
        }));
      }),
  };
}

function toPartner(doc: PartnerDoc): Partner {
  return { partnerId: doc._id, name: doc.name, routes: [...doc.routes], active: doc.active };
}
