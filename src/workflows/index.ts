export { deployModel } from './deploy';
