import { type Connection, type InferSchemaType, type Model, Schema } from "mongoose";
import { routeFlags } from "../screening/types.js";
import { dayPattern } from "./days.js";
import { idPattern } from "./request-model.js";

/** A partner organisation that takes referrals, and the routes it offers. Organisation data, not defender data. */
export const partnerSchema = new Schema(
  {
    _id: { type: String, required: true, match: idPattern },
    name: { type: String, required: true, minlength: 1, maxlength: 200 },
    routes: { type: [{ type: String, enum: routeFlags }], default: [] },
    active: { type: Boolean, required: true, default: true },
  },
  {
    collection: "partners",
    strict: "throw",
    strictQuery: "throw",
    versionKey: false,
    minimize: false,
    autoIndex: false,
    autoCreate: false,
  },
);

/**
 * One referral of one request to one partner for one route. `_id` is derived from the three, and a unique
 * index on them makes a replayed referral a no-op. Only ids, a route code, a day and the staff id.
 */
export const referralSchema = new Schema(
  {
    _id: { type: String, required: true },
    requestId: { type: String, required: true, match: idPattern },
    partnerId: { type: String, required: true, match: idPattern },
    route: { type: String, required: true, enum: routeFlags },
    day: { type: String, required: true, match: dayPattern },
    staffId: { type: String, required: true, match: idPattern },
  },
  {
    collection: "referrals",
    strict: "throw",
    strictQuery: "throw",
    versionKey: false,
    minimize: false,
    autoIndex: false,
    autoCreate: false,
  },
);

partnerSchema.index({ routes: 1 }, { name: "routes" });
referralSchema.index(
  { requestId: 1, partnerId: 1, route: 1 },
  { unique: true, name: "request_partner_route_unique" },
);
referralSchema.index({ partnerId: 1, day: 1 }, { name: "partner_day" });

export type PartnerDoc = InferSchemaType<typeof partnerSchema>;
export type ReferralDoc = InferSchemaType<typeof referralSchema>;
export type PartnerModel = Model<PartnerDoc>;
export type ReferralModel = Model<ReferralDoc>;

/** The partners model bound to `connection`. */
export function partnerModel(connection: Connection): PartnerModel {
  const existing = connection.models.Partner as PartnerModel | undefined;
  return existing ?? connection.model<PartnerDoc>("Partner", partnerSchema);
}

/** The referrals model bound to `connection`. */
export function referralModel(connection: Connection): ReferralModel {
  const existing = connection.models.Referral as ReferralModel | undefined;
  return existing ?? connection.model<ReferralDoc>("Referral", referralSchema);
}
