/** Whether an account may be used. A SUSPENDED one cannot sign in, its tokens are refused and its services are not listed. */
export enum AccountStatus {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
}
