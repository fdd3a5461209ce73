import { EntitySchema } from '@mikro-orm/core';
import type { Role } from '../../domain/roles.js';

/** A person who signs in: a client or a member of staff. Table `app_user` (migration ..._auth). */
export interface User {
  id: string;
  /** Always stored trimmed and lower-case (a CHECK enforces it). */
  email: string;
  /** scrypt, self-describing (see api/auth/password.ts). Never serialised. */
  passwordHash: string;
  role: Role;
  displayName: string;
  disabled: boolean;
  /** NOT_STARTED until the KYC lifecycle projects its status here. */
  kycStatus: string;
  createdAt: Date;
}

export const UserSchema = new EntitySchema<User>({
  name: 'User',
  tableName: 'app_user',
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    email: { type: 'string', unique: 'app_user_email_key' },
    passwordHash: { type: 'string', fieldName: 'password_hash', hidden: true, lazy: false },
    role: { type: 'string' },
    displayName: { type: 'string', fieldName: 'display_name', default: '' },
    disabled: { type: 'boolean', default: false },
    kycStatus: { type: 'string', fieldName: 'kyc_status', default: 'NOT_STARTED' },
    createdAt: { type: 'Date', fieldName: 'created_at', defaultRaw: 'now()' },
  },
});
