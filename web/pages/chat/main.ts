import '../../shared/demo.css';
import { markReady, mountLayout } from '../../shared/layout.js';

mountLayout('chat');
markReady();
